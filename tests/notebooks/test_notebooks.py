import os
import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.heavy

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[2] / "notebooks"


def test_gpt_quickstart_runs_end_to_end_with_tiny_settings(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus.txt"
    text = (pathlib.Path(__file__).resolve().parents[2] / "data" / "tinyshakespeare.txt").read_text()
    corpus.write_text(text[:40_000])
    monkeypatch.setenv("KERAZOO_NOTEBOOK_STEPS", "20")
    monkeypatch.setenv("KERAZOO_NOTEBOOK_EPOCHS", "2")
    monkeypatch.setenv("KERAZOO_NOTEBOOK_CORPUS", str(corpus))
    # The kernel imports this checkout's kerazoo, installed or not.
    root = str(NOTEBOOKS.parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    notebook = nbformat.read(NOTEBOOKS / "01_gpt_quickstart.ipynb", as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    outputs = {
        i: "".join(o.get("text", "") for o in cell.get("outputs", []))
        for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"
    }
    printed = "\n".join(outputs.values())
    assert "validation loss per epoch" in printed
    assert "['generate', 'logits', 'serving_default']" in printed
    assert printed.count("ROMEO:") >= 2
    images = [o for cell in notebook.cells for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, "the learning curve was not displayed"


def test_transformer_translation_runs_end_to_end_with_tiny_settings(monkeypatch):
    for name, value in (("STEPS", "12"), ("EPOCHS", "2"), ("PAIRS", "400"), ("WIDTH", "32"),
                        ("LAYERS", "1"), ("TEST_SENTENCES", "16")):
        monkeypatch.setenv(f"KERAZOO_NOTEBOOK_{name}", value)
    root = str(NOTEBOOKS.parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    notebook = nbformat.read(NOTEBOOKS / "04_transformer_translation.ipynb", as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    printed = "\n".join("".join(o.get("text", "") for o in cell.get("outputs", []))
                        for cell in notebook.cells if cell.cell_type == "code")
    assert "validation loss per epoch" in printed
    assert printed.count("beam 4:") == 4 and "beams 4: BLEU" in printed
    assert "rows sum to [1. 1." in printed
    images = [o for cell in notebook.cells for o in cell.get("outputs", [])
              if "image/png" in o.get("data", {})]
    assert len(images) == 2, "the learning curve and the attention heatmap were not displayed"
