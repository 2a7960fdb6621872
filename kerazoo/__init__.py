"""kerazoo: a TensorFlow/Keras model zoo for language models.

`import kerazoo` is cheap: each subpackage (`kerazoo.models`, `.layers`,
`.data`, `.training`, `.generation`, `.export`, `.convert`, `.tasks`,
`.runs`) is imported the first time it is used, as `kerazoo.models` or
`from kerazoo import models`.
"""

import importlib

__version__ = "0.2.0"

SUBPACKAGES = (
    "convert",
    "data",
    "export",
    "generation",
    "layers",
    "models",
    "runs",
    "tasks",
    "training",
    "utils",
)
__all__ = [*SUBPACKAGES, "__version__"]


def __getattr__(name):
    if name in SUBPACKAGES:
        return importlib.import_module(f"kerazoo.{name}")
    raise AttributeError(f"module 'kerazoo' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
