"""Tasks: what the spine needs of each family to train, evaluate, sample and export it.

`Task` is the interface; `CausalLMTask` (`"causal_lm"`) serves every causal
language model, `MaskedLMTask` (`"masked_lm"`) masked-LM pretraining,
`TextClassificationTask` (`"text_classification"`) sentence classification
with an encoder, and `TextEmbeddingTask` (`"text_embedding"`) a bare encoder's
sentence embeddings. `training_settings` merges kerazoo's recipe, the family's
and the user's settings; `evaluate_run` evaluates a run directory.
"""

from kerazoo.tasks import (  # noqa: F401  (register the tasks)
    causal_lm,
    masked_lm,
    text_classification,
    text_embedding,
)
from kerazoo.tasks.causal_lm import CausalLMTask
from kerazoo.tasks.masked_lm import MaskedLMTask
from kerazoo.tasks.evaluation import evaluate_run
from kerazoo.tasks.recipe import DEFAULT_RUN, training_settings
from kerazoo.tasks.registry import get_task, register_task, task_names, task_of
from kerazoo.tasks.task import Task
from kerazoo.tasks.task_data import TaskData
from kerazoo.tasks.text_classification import TextClassificationTask
from kerazoo.tasks.text_embedding import TextEmbeddingTask, sentence_embeddings

__all__ = [
    "CausalLMTask",
    "DEFAULT_RUN",
    "MaskedLMTask",
    "Task",
    "TaskData",
    "TextClassificationTask",
    "TextEmbeddingTask",
    "evaluate_run",
    "get_task",
    "register_task",
    "sentence_embeddings",
    "task_names",
    "task_of",
    "training_settings",
]

from kerazoo.tasks import seq2seq  # noqa: F401  (registers the task)
from kerazoo.tasks.seq2seq import Seq2SeqTask

__all__ += ["Seq2SeqTask"]

from kerazoo.tasks import token_classification  # noqa: F401  (registers the task)
from kerazoo.tasks.token_classification import TokenClassificationTask

__all__ += ["TokenClassificationTask"]
from kerazoo.tasks import bidirectional_lm  # noqa: F401  (registers the task)
from kerazoo.tasks.bidirectional_lm import BidirectionalLMTask

__all__ += ["BidirectionalLMTask"]
from kerazoo.tasks import span_qa  # noqa: F401  (registers the task)
from kerazoo.tasks.span_qa import SpanQATask

__all__ += ["SpanQATask"]
