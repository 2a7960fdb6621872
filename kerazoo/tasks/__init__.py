"""Tasks: what the spine needs of each family to train, evaluate, sample and export it.

`Task` is the interface; `CausalLMTask` (`"causal_lm"`) serves every causal
language model. `training_settings` merges kerazoo's recipe, the family's
and the user's settings; `evaluate_run` evaluates a run directory.
"""

from kerazoo.tasks import causal_lm  # noqa: F401  (registers the task)
from kerazoo.tasks.causal_lm import CausalLMTask
from kerazoo.tasks.evaluation import evaluate_run
from kerazoo.tasks.recipe import DEFAULT_RUN, training_settings
from kerazoo.tasks.registry import get_task, register_task, task_names, task_of
from kerazoo.tasks.task import Task
from kerazoo.tasks.task_data import TaskData

__all__ = [
    "CausalLMTask",
    "DEFAULT_RUN",
    "Task",
    "TaskData",
    "evaluate_run",
    "get_task",
    "register_task",
    "task_names",
    "task_of",
    "training_settings",
]

from kerazoo.tasks import seq2seq  # noqa: F401  (registers the task)
from kerazoo.tasks.seq2seq import Seq2SeqTask

__all__ += ["Seq2SeqTask"]
