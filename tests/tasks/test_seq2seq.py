"""The seq2seq task end to end: a small Transformer trained, used and exported from the CLI.

A `transformer_micro` family (the transformer family with a one-layer
preset and short lengths) keeps the run within seconds; everything else is
the `transformer` family's task and recipe.
"""

import dataclasses
import gzip
import json
import pathlib
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest

import kerazoo
from kerazoo.cli.main import main
from kerazoo.data.parallel_corpus import multi30k, read_parallel_corpus
from kerazoo.data.translation import BUCKET_WIDTH, train_joint_word_piece, translation_datasets
from kerazoo.generation.attention_heatmap import translation_attention
from kerazoo.generation.translation import translate, translation_ids
from kerazoo.models import TransformerConfig, get_family, register_family
from tests.data.tfds_mock import serve_splits

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "multi30k"
PAIRS = 300

register_family(dataclasses.replace(
    get_family("transformer"),
    name="transformer_micro",
    presets={"micro": TransformerConfig(
        num_encoder_layers=1, num_decoder_layers=1, num_heads=2, hidden_dim=32,
        intermediate_dim=64, max_source_length=32, max_target_length=24, dropout=0.0)},
    default_preset="micro",
    preset_recipes={},
))


def lines(name, count):
    return gzip.decompress((DATA / name).read_bytes()).decode("utf-8").split("\n")[:count]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parallel")
    for split, count in (("train", PAIRS), ("val", 32)):
        for language in ("de", "en"):
            text = "\n".join(lines(f"{split}.{language}.gz", count)) + "\n"
            (folder / f"{split}.{language}").write_text(text, encoding="utf-8")
    return {split: f"{folder}/{split}.de,{folder}/{split}.en" for split in ("train", "val")}


def test_shipped_multi30k_and_bad_parallel_files(tmp_path):
    test = multi30k("test2016")
    assert (len(test.sources), test.dropped_empty) == (1000, 0)
    assert test.sources[0].startswith("Ein Mann mit einem orangefarbenen Hut")
    assert multi30k("val", "en", "de").targets[0] == multi30k("val").sources[0]
    (tmp_path / "a").write_text("eins\n\nzwei\ndrei\n", encoding="utf-8")
    (tmp_path / "b").write_text("one\nlost\n \nthree\n", encoding="utf-8")
    (tmp_path / "c").write_text("one\n", encoding="utf-8")
    corpus = read_parallel_corpus(tmp_path / "a", tmp_path / "b")
    assert (corpus.sources, corpus.targets, corpus.dropped_empty) == (
        ["eins", "drei"], ["one", "three"], 2)
    with pytest.raises(ValueError, match="has 4 lines but .* has 1"):
        read_parallel_corpus(tmp_path / "a", tmp_path / "c")
    with pytest.raises(ValueError, match="'de' and 'en'"):
        multi30k("val", "de", "fr")


def test_batches_are_teacher_forced_length_filtered_and_bucketed():
    train = multi30k("val")
    tokenizer = train_joint_word_piece(train.sources[:200], train.targets[:200], 500)
    datasets = translation_datasets(train, tokenizer, 40, 40, 16, validation=train, seed=1)
    assert datasets.dropped_long > 0
    # Known batch counts (training drops partial batches, validation keeps every pair), so
    # Keras ends a validation pass without warning that the input "ran out of data".
    for dataset in (datasets.train, datasets.validation):
        assert int(dataset.cardinality()) == sum(1 for _ in dataset)
    real = total = 0
    for inputs, labels, weights in datasets.train:
        decoder, mask = inputs["decoder_token_ids"].numpy(), inputs["decoder_padding_mask"].numpy()
        labels, weights = labels.numpy(), weights.numpy()
        assert decoder.shape[1] % BUCKET_WIDTH == 0 and decoder.shape[1] <= 40
        assert (decoder[:, 0] == tokenizer.token_to_id("[START]")).all()
        np.testing.assert_array_equal(decoder[:, 1:] * mask[:, 1:], labels[:, :-1] * mask[:, 1:])
        np.testing.assert_array_equal(weights, mask)
        ends = mask.sum(1) - 1
        assert (labels[np.arange(len(labels)), ends] == tokenizer.end_token_id).all()
        assert inputs["encoder_padding_mask"].numpy().sum(1).max() <= 40
        real += mask.sum()
        total += mask.size
    assert real / total > 0.7


def test_the_run_vocabulary_is_the_file_given_else_shipped_else_learned(files, tmp_path,
                                                                         capsys):
    from argparse import Namespace

    from kerazoo.tasks.seq2seq import joint_tokenizer

    options = Namespace(vocabulary=None, data=None, max_pairs=None, vocabulary_size=8000)
    val = multi30k("val")
    shipped = joint_tokenizer(options, val)
    assert "shipped Multi30k" in capsys.readouterr().out
    vocabulary = shipped.get_vocabulary()
    assert vocabulary[:4] == ["[PAD]", "[UNK]", "[START]", "[END]"]
    assert 6000 <= len(vocabulary) <= 8000 and len(set(vocabulary)) == len(vocabulary)
    ids = [i for text in val.sources + val.targets for i in shipped.encode(text)]
    assert ids.count(shipped.token_to_id("[UNK]")) / len(ids) < 0.002
    # A word of characters the vocabulary never saw is one [UNK], the rest as they are.
    assert shipped.detokenize(shipped.tokenize("Ein ☃x Hund")) == "Ein [UNK] Hund"

    path = tmp_path / "vocabulary.txt"
    path.write_text("\n".join(vocabulary[:600]) + "\n", encoding="utf-8")
    given = joint_tokenizer(Namespace(**{**vars(options), "vocabulary": str(path)}), val)
    assert given.get_vocabulary() == vocabulary[:600]

    small = read_parallel_corpus(*files["train"].split(","))
    learned = joint_tokenizer(Namespace(**{**vars(options), "vocabulary_size": 300}), small)
    assert "learning a 300-token" in capsys.readouterr().out
    assert learned.get_vocabulary() == train_joint_word_piece(
        small.sources, small.targets, 300).get_vocabulary()


@pytest.fixture(scope="module")
def run_dir(files, tmp_path_factory):
    """A micro Transformer trained from the command line (once for this module)."""
    run_dir = tmp_path_factory.mktemp("seq2seq") / "run"
    assert main(["train", "transformer_micro", "--data", files["train"], "--validation-data",
                 files["val"], "--out", str(run_dir), "--steps", "40", "--epochs", "2",
                 "--batch-size", "16", "--vocabulary-size", "600", "--warmup-steps", "10",
                 "--learning-rate", "3e-3", "--no-xla"]) == 0
    return run_dir


@pytest.mark.heavy
def test_the_command_line_trains_translates_evaluates_and_exports(run_dir, files, tmp_path,
                                                                  capsys):
    record = json.loads((run_dir / "run.json").read_text())
    assert (record["task"], record["train_config"]["schedule"]) == ("seq2seq", "inverse_sqrt")
    history = json.loads((run_dir / "history.json").read_text())
    assert history["epochs"]["val_loss"][-1] < history["steps"]["loss"][0] - 1.0
    capsys.readouterr()

    prompt = "Ein Mann fährt Fahrrad."
    assert main(["generate", str(run_dir), "--prompt", prompt, "--max-new-tokens", "12"]) == 0
    generated = capsys.readouterr().out.rstrip("\n")
    model, tokenizer, _ = kerazoo.runs.load_run(run_dir)
    assert generated == translate(model, tokenizer, prompt, max_new_tokens=12)
    assert generated == translate(model, tokenizer, [prompt, "Zwei Hunde."],
                                  max_new_tokens=12, jit_compile=False)[0]
    beams = translate(model, tokenizer, [prompt], max_new_tokens=12, num_beams=1)
    assert beams == [generated]

    assert main(["evaluate", str(run_dir), "--data", files["val"]]) == 0
    metrics = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert metrics["sentences"] == 32 and 0.0 <= metrics["bleu"] <= 100.0
    assert metrics["chrf"] > 0.0 and metrics["tokenized_bleu"] >= 0.0
    assert "tok:13a" in metrics["bleu_signature"] and metrics["num_beams"] == 1

    served = tmp_path / "served"
    assert main(["export", str(run_dir), "--out", str(served), "--max-new-tokens", "12"]) == 0
    code = ("import sys, tensorflow as tf, tensorflow_text; m = tf.saved_model.load(sys.argv[1]);"
            " out = m.signatures['serving_default'](sources=tf.constant(sys.argv[2:]));"
            " print(out['translation'].numpy()[0].decode());"
            " print(out['source_truncated'].numpy().tolist())")
    too_long = " ".join([prompt] * 8)  # Beyond the micro model's 32 source tokens.
    result = subprocess.run([sys.executable, "-c", code, str(served), prompt, "", too_long],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[-2:] == [generated, "[False, False, True]"]
    shown = subprocess.run(
        [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli", "show", "--dir",
         str(served), "--tag_set", "serve", "--signature_def", "serving_default"],
        capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr[-2000:]
    for listed in ("inputs['sources']", "outputs['translation']", "outputs['source_truncated']"):
        assert listed in shown.stdout, shown.stdout


@pytest.mark.heavy
def test_translate_draws_attention_and_evaluate_scores_beams(run_dir, files, tmp_path, capsys):
    sentence = "Ein Mann fährt Fahrrad."
    source_file = tmp_path / "sources.de"
    source_file.write_text(f"\n{sentence}\n", encoding="utf-8")
    png = tmp_path / "attention.png"
    capsys.readouterr()
    assert main(["translate", str(run_dir), "--file", str(source_file), "--num-beams", "3",
                 "--max-new-tokens", "12", "--attention-png", str(png), "--layer", "0",
                 "--head", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert matplotlib.image.imread(png).ndim == 3 and out[2].endswith(f"written to {png}")

    # The command translates and draws what the Python API does.
    model, tokenizer, _ = kerazoo.runs.load_run(run_dir)
    attention = translation_attention(model, tokenizer, sentence, layer=0, head=1,
                                      num_beams=3, max_new_tokens=12)
    ids = translation_ids(model, tokenizer, [sentence], max_new_tokens=12, num_beams=3)[0]
    assert out[:2] == ["", translate(model, tokenizer, sentence, max_new_tokens=12,
                                     num_beams=3)]
    source_ids = np.asarray(tokenizer.tokenize(sentence)).tolist() + [tokenizer.end_token_id]
    assert attention.source_tokens == [tokenizer.id_to_token(i) for i in source_ids]
    assert attention.target_tokens == [tokenizer.id_to_token(i) for i in ids] + ["[END]"]
    assert attention.weights.shape == (len(ids) + 1, len(source_ids))
    np.testing.assert_allclose(attention.weights.sum(-1), 1.0, atol=1e-5)
    with pytest.raises(ValueError, match="2 heads"):
        translation_attention(model, tokenizer, sentence, head=2)

    assert main(["evaluate", str(run_dir), "--data", files["val"], "--num-beams", "3",
                 "--metric", "rouge"]) == 0
    rouge = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert set(rouge) == {"rouge1", "rouge2", "rougeL", "sentences", "num_beams"}
    assert rouge["num_beams"] == 3 and 0.0 < rouge["rouge1"] <= 100.0
    assert rouge["rouge2"] <= rouge["rouge1"]


def test_a_task_that_cannot_translate_says_so(tmp_path):
    from kerazoo.tasks import get_task

    with pytest.raises(ValueError, match="'causal_lm' task does not translate"):
        get_task("causal_lm").translate(None, None, ["x"], None)
    with pytest.raises(ValueError, match="draws no attention heatmap"):
        get_task("causal_lm").attention_heatmap(None, None, "x", tmp_path / "a.png", None)


def short_pairs(split, count, words=8):
    """The first `count` Multi30k pairs of at most `words` words a side, as TFDS serves them.

    Few of them are too long for the micro model in a small vocabulary.
    """
    pairs = [(de, en) for de, en in zip(lines(f"{split}.de.gz", 1000),
                                        lines(f"{split}.en.gz", 1000))
             if len(de.split()) <= words and len(en.split()) <= words][:count]
    return {"de": [de for de, _ in pairs], "en": [en for _, en in pairs]}


def test_a_tfds_translation_set_is_the_training_data(tmp_path):
    """`--data tfds:...` and `--validation-data tfds:...`, served offline by `mock_data`."""
    from argparse import Namespace

    import tensorflow_datasets as tfds

    from kerazoo.models import build, resolve_config
    from kerazoo.tasks import get_task

    # English -> German, told by the language flags.
    splits = {"train": short_pairs("train", 64), "val": short_pairs("val", 8)}
    options = Namespace(data="tfds:wmt14_translate/de-en", data_dir=str(tmp_path),
                        validation_data="tfds:wmt14_translate/de-en:val", source_language="en",
                        target_language="de", vocabulary=str(DATA / "wordpiece-8000.txt"),
                        vocabulary_size=8000, max_pairs=None)
    with tfds.testing.mock_data(as_dataset_fn=serve_splits(splits)):
        data = get_task("seq2seq").prepare_data(
            options, resolve_config("transformer_micro", "micro"), 8, seed=0)
    assert data.source == "tfds:wmt14_translate/de-en"
    assert data.sample_prompt == splits["val"]["en"][0].strip()
    tokenizer, end = data.tokenizer, data.tokenizer.end_token_id

    def text(ids):
        # WordPiece detokenizes with spaces around punctuation: compare without spaces.
        return "".join(tokenizer.detokenize([i for i in ids if i not in (0, end)]).split())

    batched = {(text(source), text(target))
               for inputs, labels, _ in data.validation
               for source, target in zip(inputs["encoder_token_ids"].numpy(), labels.numpy())}
    assert batched == {("".join(en.split()), "".join(de.split()))
                       for en, de in zip(splits["val"]["en"], splits["val"]["de"])}

    model = build("transformer_micro", "micro", **data.model_overrides)
    long = " ".join([data.sample_prompt] * 10)
    with pytest.raises(ValueError, match=r"1 of 2 sources are longer than the model's "
                                         r"max_source_length=32 .* the first, source 1"):
        translate(model, tokenizer, ["Ein Hund.", long], long_sources="error")
    with pytest.raises(ValueError, match="`long_sources` must be one of"):
        translate(model, tokenizer, ["Ein Hund."], long_sources="cut")


@pytest.mark.heavy
def test_evaluate_reads_a_tfds_test_split_and_handles_long_sources(run_dir, tmp_path, capsys):
    import tensorflow_datasets as tfds

    test = short_pairs("val", 4, words=6)
    test["de"][1] = " ".join([test["de"][1]] * 8)
    evaluate = ["evaluate", str(run_dir), "--data", "tfds:wmt14_translate/de-en:test",
                "--data-dir", str(tmp_path)]
    capsys.readouterr()
    with tfds.testing.mock_data(as_dataset_fn=serve_splits({"test": test})):
        assert main(evaluate + ["--long-sources", "error"]) == 2
        assert "1 of 4 sources are longer than the model's max_source_length=32" in (
            capsys.readouterr().err)
        with pytest.warns(UserWarning, match="1 of 4 sources .* only their first tokens"):
            assert main(evaluate + ["--metric", "rouge"]) == 0
        metrics = json.loads(capsys.readouterr().out.splitlines()[-1])
        assert metrics["sentences"] == 4 and metrics["rouge1"] > 0.0
        assert main(evaluate + ["--target-language", "fr"]) == 2
        assert "`target_language` 'fr' is not a feature" in capsys.readouterr().err
