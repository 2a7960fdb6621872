"""The fine-tuning tasks' command line as their tests drive it: `kerazoo evaluate`'s metrics or
its refusal of labels the model does not know, and a run started (`--init`) from the converted
tiny BERT fixture."""

import json
import pathlib

from kerazoo.cli.main import main
from kerazoo.runs import load_run

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "convert" / "fixtures"


def evaluated_metrics(capsys, run_dir, data):
    """The metrics `kerazoo evaluate` prints on its last line (JSON), after it exits 0.

    Args:
        capsys: pytest's `capsys` fixture of the calling test.
        run_dir: the run to evaluate.
        data: what `--data` names (a path or a shipped split name).

    Returns:
        dict of metric name -> value.
    """
    capsys.readouterr()
    assert main(["evaluate", str(run_dir), "--data", str(data)]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def assert_unknown_labels_refused(capsys, run_dir, path, text, unknown):
    """`kerazoo evaluate` of `text` (written to `path`) exits 2 with an error naming `unknown`
    (list of the labels the model does not know) and no traceback."""
    path.write_text(text)
    assert main(["evaluate", str(run_dir), "--data", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{unknown!r} that the model does not know" in err and "Traceback" not in err


def fine_tuned_from_converted_encoder(family, data, tmp_path):
    """`kerazoo train FAMILY --init` the converted tiny BERT, 2 steps at a learning rate of 1e-9.

    Checks that the run took the pretrained tokenizer and encoder shape (2 layers, width 32).

    Args:
        family: a BERT fine-tuning family (`bert_classifier`, `bert_tagger`).
        data: its `--data`.
        tmp_path: where the converted and the fine-tuned runs go.

    Returns:
        `(pretrained encoder, fine-tuned encoder, fine-tuned run record)`.
    """
    pretrained = tmp_path / "pretrained"
    assert main(["convert", "hf", str(FIXTURES / "tiny_bert_mlm"), "--out", str(pretrained)]) == 0
    source, source_tokenizer, _ = load_run(pretrained)
    run_dir = tmp_path / "fine_tuned"
    assert main(["train", family, "--init", str(pretrained), "--data", str(data), "--steps", "2",
                 "--epochs", "1", "--batch-size", "8", "--learning-rate", "1e-9", "--out",
                 str(run_dir)]) == 0
    model, tokenizer, record = load_run(run_dir)
    assert tokenizer.get_vocabulary() == source_tokenizer.get_vocabulary()
    assert model.backbone.num_layers == 2 and model.backbone.hidden_dim == 32
    return source.backbone, model.backbone, record
