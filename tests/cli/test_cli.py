import json
import math
import pathlib
import re

import pytest
import tensorflow as tf

from kerazoo.cli.main import main

CORPUS = pathlib.Path(__file__).resolve().parents[2] / "data" / "tinyshakespeare.txt"


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A gpt-nano run of 40 steps on the first 60k characters of Tiny Shakespeare."""
    folder = tmp_path_factory.mktemp("cli")
    corpus = folder / "corpus.txt"
    corpus.write_text(CORPUS.read_text(encoding="utf-8")[:60_000], encoding="utf-8")
    run_dir = folder / "run"
    code = main(["train", "gpt", "--data", str(corpus), "--steps", "40", "--epochs", "2",
                 "--batch-size", "8", "--warmup-steps", "5", "--out", str(run_dir),
                 "--sample-tokens", "20"])
    assert code == 0
    return run_dir


def test_training_smoke_loss_falls_from_chance(trained_run):
    history = json.loads((trained_run / "history.json").read_text())
    vocabulary = len((trained_run / "tokenizer" / "vocabulary.txt").read_text(encoding="utf-8").splitlines())
    chance = math.log(vocabulary)
    first_loss = history["steps"]["loss"][0]
    assert abs(first_loss - chance) < 0.3
    assert history["epochs"]["val_loss"][-1] < chance - 0.9
    for name in ("model.keras", "run.json", "samples.txt", "learning_curve.png", "checkpoints", "logs"):
        assert (trained_run / name).exists(), name
    # The sample continues the corpus's first line.
    assert (trained_run / "samples.txt").read_text().startswith("First Citizen:")
    record = json.loads((trained_run / "run.json").read_text())
    assert (record["family"], record["task"], record["preset"]) == ("gpt", "causal_lm", "gpt-nano")


def test_generate_prints_text_and_is_reproducible(trained_run, capsys):
    args = ["generate", str(trained_run), "--prompt", "ROMEO:", "--max-new-tokens", "30",
            "--top-p", "0.9", "--seed", "4"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first
    assert first.startswith("ROMEO:") and len(first.rstrip("\n")) == len("ROMEO:") + 30
    assert main(["generate", str(trained_run), "--prompt", "ROMEO:", "--max-new-tokens", "10",
                 "--num-beams", "3", "--num-return-sequences", "2"]) == 0
    beams = re.split(r"--- \d ---\n", capsys.readouterr().out)
    assert beams[0] == "" and len(beams) == 3 and beams[1] != beams[2]
    assert beams[1].startswith("ROMEO:") and beams[2].startswith("ROMEO:")


def test_export_writes_a_servable_saved_model(trained_run, tmp_path):
    out = tmp_path / "served"
    assert main(["export", str(trained_run), "--out", str(out), "--max-new-tokens", "10"]) == 0
    served = tf.saved_model.load(str(out))
    text = served.signatures["serving_default"](prompts=tf.constant(["ROMEO:"]))["text"]
    assert text.numpy()[0].decode().startswith("ROMEO:")


def test_list_prints_the_presets(capsys):
    assert main(["list"]) == 0
    assert "gpt-nano (default)" in capsys.readouterr().out


def bad(argv, capsys, match):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert match in err, err
    assert "Traceback" not in err


def test_bad_training_input_is_one_clear_line_and_no_run_dir(tmp_path, capsys):
    run_dir = tmp_path / "run"
    base = ["train", "gpt", "--out", str(run_dir), "--steps", "10", "--epochs", "1"]
    bad([*base, "--data", str(tmp_path / "missing.txt")], capsys, "missing.txt")
    (tmp_path / "empty.txt").write_text("")
    bad([*base, "--data", str(tmp_path / "empty.txt")], capsys, "empty")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 ol\xe9\n".encode("latin-1") * 100)
    bad([*base, "--data", str(tmp_path / "latin1.txt")], capsys, "UTF-8")
    bad([*base, "--data", str(CORPUS), "--preset", "gpt-huge"], capsys, "Unknown preset 'gpt-huge'")
    bad([*base, "--data", str(CORPUS), "--learning-rate", "-1"], capsys, "peak_learning_rate")
    bad(["train", "gtp", "--out", str(run_dir)], capsys, "Unknown model family 'gtp'")
    assert not run_dir.exists()


def test_few_steps_are_trained_in_fewer_epochs(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(CORPUS.read_text(encoding="utf-8")[:20_000], encoding="utf-8")
    run_dir = tmp_path / "run"
    assert main(["train", "gpt", "--data", str(corpus), "--steps", "3", "--batch-size", "4",
                 "--out", str(run_dir), "--sample-tokens", "0", "--no-xla"]) == 0
    assert "3 steps do not split into 10 epochs; training 3 epochs of 1 steps" in capsys.readouterr().out
    history = json.loads((run_dir / "history.json").read_text())
    assert history["epochs"]["step"] == [1, 2, 3]


def test_evaluate_reports_loss_perplexity_and_bits_per_character(trained_run, tmp_path, capsys):
    text = tmp_path / "validation.txt"
    text.write_text(CORPUS.read_text(encoding="utf-8")[54_000:60_000], encoding="utf-8")
    assert main(["evaluate", str(trained_run), "--data", str(text), "--batch-size", "8"]) == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert metrics["perplexity"] == pytest.approx(math.exp(metrics["loss"]), rel=1e-4)
    assert metrics["bits_per_character"] == pytest.approx(metrics["loss"] / math.log(2))
    assert metrics["tokens"] == (6000 - 1) // 64 * 64
    # The same text as the run's validation split, scored the same way.
    history = json.loads((trained_run / "history.json").read_text())
    assert metrics["loss"] == pytest.approx(history["epochs"]["val_loss"][-1], abs=0.05)
    bad(["evaluate", str(trained_run), "--data", str(tmp_path / "missing.txt")], capsys, "missing.txt")


def test_bad_generation_input(trained_run, tmp_path, capsys):
    bad(["generate", str(trained_run), "--prompt", "ROMEO:", "--max-new-tokens", "0"], capsys,
        "max_new_tokens")
    bad(["generate", str(trained_run), "--prompt", "ROMEO \u2603"], capsys, "outside the tokenizer's vocabulary")
    bad(["generate", str(trained_run), "--prompt", "a" * 65], capsys, "context of 64")
    bad(["generate", str(tmp_path / "nowhere"), "--prompt", "a"], capsys, "does not exist")


def test_convert_hf_writes_a_run_that_generates(tmp_path, capsys):
    fixture = pathlib.Path(__file__).resolve().parents[1] / "convert" / "fixtures" / "tiny_gpt2"
    run_dir = tmp_path / "gpt2"
    assert main(["convert", "hf", str(fixture), "--out", str(run_dir)]) == 0
    assert "converted" in capsys.readouterr().out
    assert main(["generate", str(run_dir), "--prompt", "hello", "--max-new-tokens", "5", "--greedy"]) == 0
    assert capsys.readouterr().out.startswith("hello")
    bad(["convert", "hf", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x")], capsys, "nowhere")
