import matplotlib.image
import pytest

from kerazoo.training.learning_curve import LearningCurvePlot, plot_learning_curve
from kerazoo.training.run_history import RunHistory, empty_history

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_is_png(path):
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    height, width, _ = matplotlib.image.imread(path).shape
    assert height > 100 and width > 100


def test_a_history_is_drawn_to_a_png(tmp_path):
    history = {
        "epochs": {
            "epoch": [1, 2],
            "step": [3, 6],
            "loss": [2.0, 1.0],
            "val_loss": [1.8, None],
        },
        "steps": {"step": [1, 2, 3, 4, 5, 6], "loss": [3.0, 2.0, None, 1.2, 1.0, 0.9]},
    }
    path = tmp_path / "learning_curve.png"
    plot_learning_curve(history, path)
    assert_is_png(path)
    assert [p.name for p in tmp_path.iterdir()] == ["learning_curve.png"]


def test_an_empty_history_still_gives_a_png(tmp_path):
    path = tmp_path / "curve.png"
    plot_learning_curve(empty_history(), path)
    assert_is_png(path)


def test_the_callback_needs_a_run_history(tmp_path):
    with pytest.raises(TypeError, match="run_history"):
        LearningCurvePlot({}, tmp_path / "curve.png")
    plot = LearningCurvePlot(RunHistory(tmp_path / "h.json"), tmp_path / "curve.png")
    plot.on_epoch_end(0)
    assert_is_png(tmp_path / "curve.png")
