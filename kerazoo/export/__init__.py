"""Exporting models as SavedModels that TensorFlow Serving runs.

`write_saved_model` writes any task's endpoints atomically;
`forward_endpoint` is a model's forward pass as a signature, and
`export_text_generation` the text-in, text-out export of a language model.
"""

from kerazoo.export.saved_model import forward_endpoint, write_saved_model
from kerazoo.export.text_generation import export_text_generation, text_generation_endpoint

__all__ = [
    "export_text_generation",
    "forward_endpoint",
    "text_generation_endpoint",
    "write_saved_model",
]
