import keras
import numpy as np
import pytest

from kerazoo.data import CharTokenizer
from kerazoo.runs import load_run, save_run
from kerazoo.models import GPTCausalLM, build


def test_round_trip(tmp_path):
    tokenizer = CharTokenizer.from_corpus("abcdefg\n")
    model = build("gpt", vocabulary_size=8, num_layers=1, num_heads=2, hidden_dim=8,
                  intermediate_dim=16, max_sequence_length=8)
    save_run(tmp_path / "run", model, tokenizer, {"preset": "tiny"})
    loaded, loaded_tokenizer, metadata = load_run(tmp_path / "run")
    assert isinstance(loaded, GPTCausalLM)
    ids = np.array([[1, 2, 3]], "int32")
    np.testing.assert_allclose(np.asarray(loaded(ids)), np.asarray(model(ids)), atol=1e-6)
    assert loaded_tokenizer.get_vocabulary() == tokenizer.get_vocabulary()
    assert metadata["preset"] == "tiny" and metadata["model_config"]["backbone"]["config"]["num_layers"] == 1
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["model.keras", "run.json", "tokenizer"]


def test_missing_or_incomplete_run_directory(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_run(tmp_path / "nowhere")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "run.json").write_text("{}")
    with pytest.raises(ValueError, match=r"missing \['model.keras', 'tokenizer'\]"):
        load_run(tmp_path / "half")


def test_a_run_from_before_the_backbone_split_names_the_way_out(tmp_path):
    tokenizer = CharTokenizer.from_corpus("abcdefg\n")
    model = build("gpt", vocabulary_size=8, num_layers=1, num_heads=2, hidden_dim=8,
                  intermediate_dim=16, max_sequence_length=8)
    save_run(tmp_path / "old", model, tokenizer)
    record = tmp_path / "old" / "run.json"
    record.write_text(record.read_text().replace('"GPTCausalLM"', '"GPT"'))
    with pytest.raises(ValueError, match="GPTBackbone \\+ GPTCausalLM. Retrain"):
        load_run(tmp_path / "old")
