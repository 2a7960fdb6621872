"""TaskModel: the base of every task model, a backbone with a head."""

import keras


class TaskModel(keras.Model):
    """A functional model of a task: a backbone (`self.backbone`) and its head.

    Subclasses build the functional graph in `__init__(backbone, ...)` and
    list their own constructor arguments in `task_config`; `get_config`
    serializes the backbone beside them, so `.keras` files and
    `from_config` rebuild the whole model.
    """

    def task_config(self):
        """The subclass's constructor arguments besides `backbone`; none by default."""
        return {}

    def get_config(self):
        return {
            "backbone": keras.saving.serialize_keras_object(self.backbone),
            **self.task_config(),
            "name": self.name,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(config["backbone"])
        return cls(**config)
