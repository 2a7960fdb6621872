"""Saving any kerazoo tokenizer to a folder, and loading it back.

A tokenizer folder holds `tokenizer.json`:

    {"format_version": 1, "type": "char" | "word" | "word_piece" | "byte_pair",
     "files": {"vocabulary": "...", ["merges": "..."]}, "config": {...}}

where `config` is the tokenizer's Keras config without its vocabulary, and
the files it names, beside it:

- char: `vocabulary.txt`, one escaped character a line (see
  `kerazoo.data.char_tokenizer`);
- word: `vocabulary.txt`, one token a line, the four reserved tokens first
  (see `kerazoo.data.vocabulary`); their spellings, `lowercase`, `split`
  and `line_break_token` are in `config`;
- word_piece: `vocabulary.txt`, one token a line (BERT's `vocab.txt` format);
- byte_pair: `vocab.json` and `merges.txt` (GPT-2's files).

Each file is replaced atomically (written to a temporary sibling, then
renamed), and `tokenizer.json` is written last.
"""

import json
import pathlib

import keras_hub

from kerazoo.data.byte_pair import BytePairTokenizer, read_byte_pair_vocabulary, read_merges
from kerazoo.data.char_tokenizer import CharTokenizer, read_char_vocabulary
from kerazoo.data.text_files import read_text_file, read_text_lines
from kerazoo.data.vocabulary import Vocabulary
from kerazoo.data.word_piece import WordPieceTokenizer
from kerazoo.data.word_tokenizer import WordTokenizer
from kerazoo.utils.atomic import atomic_write_text

TOKENIZER_FILE = "tokenizer.json"
FORMAT_VERSION = 1


def save_tokenizer(tokenizer, directory):
    """Writes `tokenizer` to `directory` (created if missing).

    Args:
        tokenizer: a `CharTokenizer` or `WordTokenizer`, or a keras-hub
            `WordPieceTokenizer` or `BytePairTokenizer` (kerazoo's subclasses
            included).
        directory: str or os.PathLike.

    Raises:
        TypeError: If `tokenizer` is of another type.
        ValueError: If `directory` exists and is not a folder.
    """
    kind = _type_of(tokenizer)
    directory = pathlib.Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ValueError(f"`directory` {str(directory)!r} exists and is not a folder.")
    directory.mkdir(parents=True, exist_ok=True)
    config = tokenizer.get_config()
    for key in ("vocabulary", "merges"):
        config.pop(key, None)
    if kind not in ("char", "word"):
        # keras-hub's own subclasses (GPT2Tokenizer, BertTokenizer) keep their
        # end token outside their config.
        config["end_token"] = getattr(tokenizer, "end_token", None)
    files = _WRITERS[kind](tokenizer, directory)
    manifest = {
        "format_version": FORMAT_VERSION,
        "type": kind,
        "files": files,
        "config": config,
    }
    atomic_write_text(directory / TOKENIZER_FILE, json.dumps(manifest, indent=2) + "\n")


def load_tokenizer(directory):
    """Loads a tokenizer written by `save_tokenizer`.

    Args:
        directory: str or os.PathLike.

    Returns:
        `CharTokenizer`, `WordTokenizer`, `WordPieceTokenizer` or
        `BytePairTokenizer`.

    Raises:
        ValueError: If `directory` or `tokenizer.json` is missing, or a file
            is corrupt.
    """
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        raise ValueError(
            f"`directory` {str(directory)!r} is not a folder; expected one written "
            f"by save_tokenizer, holding {TOKENIZER_FILE}."
        )
    manifest_path = directory / TOKENIZER_FILE
    if not manifest_path.is_file():
        raise ValueError(
            f"`directory` {str(directory)!r} has no {TOKENIZER_FILE}; expected a "
            "folder written by save_tokenizer."
        )
    manifest = _read_manifest(manifest_path)
    kind = manifest["type"]
    paths = {role: directory / name for role, name in manifest["files"].items()}
    arguments = _READERS[kind](paths, manifest["config"])
    return _CLASSES[kind].from_config({**manifest["config"], **arguments})


def _type_of(tokenizer):
    if isinstance(tokenizer, CharTokenizer):
        return "char"
    if isinstance(tokenizer, WordTokenizer):
        return "word"
    if isinstance(tokenizer, keras_hub.tokenizers.WordPieceTokenizer):
        return "word_piece"
    if isinstance(tokenizer, keras_hub.tokenizers.BytePairTokenizer):
        return "byte_pair"
    raise TypeError(
        "`tokenizer` must be a CharTokenizer, WordTokenizer, WordPieceTokenizer "
        f"or BytePairTokenizer. Received: {type(tokenizer).__name__}."
    )


def _read_manifest(path):
    def corrupt(reason):
        return ValueError(f"{str(path)!r} is corrupt: {reason}. Save the tokenizer again.")

    try:
        manifest = json.loads(read_text_file(path, argument="directory"))
    except json.JSONDecodeError as error:
        raise corrupt(f"not valid JSON ({error})") from None
    if not isinstance(manifest, dict):
        raise corrupt("not a JSON object")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise corrupt(
            f"format_version is {manifest.get('format_version')!r}, this kerazoo "
            f"reads {FORMAT_VERSION}"
        )
    if manifest.get("type") not in _CLASSES:
        raise corrupt(f"type is {manifest.get('type')!r}, allowed: {sorted(_CLASSES)}")
    if not isinstance(manifest.get("config"), dict):
        raise corrupt("config is not a JSON object")
    files = manifest.get("files")
    expected = _FILE_ROLES[manifest["type"]]
    if not isinstance(files, dict) or sorted(files) != sorted(expected):
        raise corrupt(f"files must name {expected}, not {files!r}")
    for name in files.values():
        # Plain names only: a manifest must not point outside its folder.
        plain = isinstance(name, str) and name not in ("", ".", "..")
        if not plain or pathlib.Path(name).name != name:
            raise corrupt(f"file name {name!r} is not a plain file name")
    return manifest


def _write_char(tokenizer, directory):
    tokenizer.save_vocabulary(directory / "vocabulary.txt")
    return {"vocabulary": "vocabulary.txt"}


def _write_word(tokenizer, directory):
    tokenizer.save_vocabulary(directory / "vocabulary.txt")
    return {"vocabulary": "vocabulary.txt"}


def _read_word(path, config):
    """The tokens of a word vocabulary file, checked against the reserved
    tokens its manifest names (the message names the file)."""
    reserved = {
        key: config[key]
        for key in ("padding_token", "unknown_token", "start_token", "end_token")
        if key in config
    }
    return list(Vocabulary.load(path, **reserved).tokens)


def _write_word_piece(tokenizer, directory):
    lines = "".join(token + "\n" for token in tokenizer.get_vocabulary())
    atomic_write_text(directory / "vocabulary.txt", lines)
    return {"vocabulary": "vocabulary.txt"}


def _write_byte_pair(tokenizer, directory):
    vocabulary = json.dumps(dict(tokenizer.vocabulary), ensure_ascii=False)
    atomic_write_text(directory / "vocab.json", vocabulary + "\n")
    merges = "".join(merge + "\n" for merge in tokenizer.merges)
    atomic_write_text(directory / "merges.txt", merges)
    return {"vocabulary": "vocab.json", "merges": "merges.txt"}


_CLASSES = {
    "char": CharTokenizer,
    "word": WordTokenizer,
    "word_piece": WordPieceTokenizer,
    "byte_pair": BytePairTokenizer,
}
_WRITERS = {
    "char": _write_char,
    "word": _write_word,
    "word_piece": _write_word_piece,
    "byte_pair": _write_byte_pair,
}
_FILE_ROLES = {
    "char": ["vocabulary"],
    "word": ["vocabulary"],
    "word_piece": ["vocabulary"],
    "byte_pair": ["vocabulary", "merges"],
}
_READERS = {
    "char": lambda paths, config: {"vocabulary": read_char_vocabulary(paths["vocabulary"])},
    "word": lambda paths, config: {"vocabulary": _read_word(paths["vocabulary"], config)},
    "word_piece": lambda paths, config: {"vocabulary": read_text_lines(paths["vocabulary"])},
    "byte_pair": lambda paths, config: {
        "vocabulary": read_byte_pair_vocabulary(paths["vocabulary"]),
        "merges": read_merges(paths["merges"]),
    },
}
