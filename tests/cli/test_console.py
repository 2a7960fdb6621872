"""The installed `kerazoo` console script: quiet start, help without TensorFlow, shipped data."""

import pathlib
import shutil
import subprocess
import sys

import pytest

import kerazoo.data.shipped as shipped

NATIVE_NOTICES = (
    "cudart_stub", "absl::InitializeLog", "oneDNN custom operations",
    "failed call to cuInit",  # a CUDA build of TensorFlow on a machine without a GPU
)


def run(*arguments):
    executable = shutil.which("kerazoo")
    assert executable, "the console script is not installed: pip install -e ."
    return subprocess.run([executable, *arguments], capture_output=True, text=True, timeout=120)


def test_the_console_script_starts_quietly_and_verbose_brings_tensorflow_back():
    quiet = run("list")
    assert quiet.returncode == 0 and "gpt-nano (default)" in quiet.stdout
    assert not [line for line in quiet.stderr.splitlines() if any(n in line for n in NATIVE_NOTICES)], quiet.stderr
    verbose = run("--verbose", "list")
    assert verbose.returncode == 0
    assert any(notice in verbose.stderr for notice in NATIVE_NOTICES), verbose.stderr


def test_help_does_not_import_tensorflow():
    code = "import sys; from kerazoo.cli.main import main\ntry:\n main(['--help'])\nexcept SystemExit: pass\nprint('tensorflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().endswith("False"), result.stdout + result.stderr


def test_import_kerazoo_exposes_its_subpackages_lazily():
    code = ("import sys, kerazoo; print('tensorflow' in sys.modules); "
            "print(kerazoo.models.build.__name__, kerazoo.generation.generate.__name__, "
            "kerazoo.export.write_saved_model.__name__, kerazoo.convert.from_huggingface.__name__, "
            "kerazoo.layers.MultiHeadAttention.__name__, kerazoo.data.CharTokenizer.__name__, "
            "kerazoo.training.train.__name__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    lines = result.stdout.split()
    assert lines[0] == "False", result.stderr
    assert lines[1:] == ["build", "generate", "write_saved_model", "from_huggingface",
                         "MultiHeadAttention", "CharTokenizer", "train"]


def test_the_installed_corpus_is_found_outside_a_checkout(tmp_path, monkeypatch):
    prefix = tmp_path / "prefix"
    installed = prefix / "share" / "kerazoo" / "data" / shipped.CORPUS_NAME
    installed.parent.mkdir(parents=True)
    installed.write_text("shipped\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(shipped, "__file__", str(tmp_path / "site" / "kerazoo" / "data" / "shipped.py"))
    monkeypatch.setattr(sys, "prefix", str(prefix))
    assert pathlib.Path(shipped.default_corpus()) == installed
    installed.unlink()
    with pytest.raises(ValueError, match="--data PATH"):
        shipped.default_corpus()
