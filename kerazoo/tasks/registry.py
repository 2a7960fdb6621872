"""The registered tasks, and the task of a family."""

from kerazoo.models import get_family

_TASKS = {}


def register_task(task):
    """Make `task` (a `Task` instance) available under `task.name`."""
    _TASKS[task.name] = task
    return task


def get_task(name):
    """The registered task called `name`, or a clear error."""
    if name not in _TASKS:
        raise ValueError(f"Unknown task {name!r}. Available: {sorted(_TASKS)}.")
    return _TASKS[name]


def task_names():
    """The registered task names, sorted."""
    return sorted(_TASKS)


def task_of(family_name):
    """The task a registered family trains with."""
    return get_task(get_family(family_name).task)
