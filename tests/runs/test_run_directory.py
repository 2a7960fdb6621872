import keras
import numpy as np
import pytest

from kerazoo.data import CharTokenizer
from kerazoo.runs import load_run, save_run
from kerazoo.models import GPTCausalLM
from tests.tiny_models import tiny_gpt


def test_round_trip(tmp_path):
    tokenizer = CharTokenizer.from_corpus("abcdefg\n")
    model = tiny_gpt(8, hidden_dim=8, intermediate_dim=16, max_sequence_length=8)
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
    model = tiny_gpt(8, hidden_dim=8, intermediate_dim=16, max_sequence_length=8)
    save_run(tmp_path / "old", model, tokenizer)
    record = tmp_path / "old" / "run.json"
    record.write_text(record.read_text().replace('"GPTCausalLM"', '"GPT"'))
    with pytest.raises(ValueError, match="GPTBackbone \\+ GPTCausalLM. Retrain"):
        load_run(tmp_path / "old")


@pytest.fixture
def trained_run(tmp_path):
    from kerazoo.training import TrainConfig, train
    import tensorflow as tf

    tokenizer = CharTokenizer.from_corpus("abcdefg\n")
    model = tiny_gpt(8, hidden_dim=8, intermediate_dim=16, max_sequence_length=8)
    ids = np.random.default_rng(0).integers(0, 8, (8, 9)).astype("int32")
    data = tf.data.Dataset.from_tensor_slices((ids[:, :-1], ids[:, 1:])).batch(4)
    run_dir = tmp_path / "run"
    train(model, data, None, run_dir, TrainConfig(steps=4, epochs=2, jit_compile=False),
          verbose=0, on_finish=lambda history: save_run(run_dir, model, tokenizer))
    return run_dir


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def test_a_truncated_model_names_itself_and_the_newest_intact_checkpoint(trained_run):
    truncate(trained_run / "model.keras")
    newest = trained_run / "checkpoints" / "epoch-002.keras"
    with pytest.raises(ValueError, match=f"model.keras' is damaged.*cp '{newest}'"):
        load_run(trained_run)
    truncate(newest)
    older = trained_run / "checkpoints" / "epoch-001.keras"
    with pytest.raises(ValueError, match=f"cp '{older}'"):
        load_run(trained_run)
    truncate(older)
    with pytest.raises(ValueError, match="No intact checkpoint is left: retrain"):
        load_run(trained_run)


def test_a_damaged_tokenizer_or_record_names_itself(trained_run):
    (trained_run / "run.json").write_text('{"family": "gpt", ')
    with pytest.raises(ValueError, match="run.json' is damaged"):
        load_run(trained_run)
    (trained_run / "run.json").write_text('{"family": "gpt"}')
    vocabulary = next(p for p in (trained_run / "tokenizer").iterdir() if p.name != "tokenizer.json")
    vocabulary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match="tokenizer of .* is damaged"):
        load_run(trained_run)


def test_the_command_line_reports_a_damaged_run_in_one_line(trained_run, capsys):
    from kerazoo.cli.main import main

    truncate(trained_run / "model.keras")
    for argv in (["generate", str(trained_run), "--prompt", "ab"],
                 ["evaluate", str(trained_run), "--data", str(trained_run / "run.json")],
                 ["export", str(trained_run), "--out", str(trained_run.parent / "served")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "model.keras' is damaged" in err and "Traceback" not in err
