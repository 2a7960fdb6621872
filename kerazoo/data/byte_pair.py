"""GPT-2 byte-level byte-pair encoding from `vocab.json` and `merges.txt`.

Tokenizing is keras-hub's `BytePairTokenizer`; kerazoo adds only the shared
interface: `end_token_id`, `encode` and `decode`.
"""

import json
import os

import keras
import keras_hub

from kerazoo.data.text_codec import TextCodecMixin
from kerazoo.data.text_files import read_text_file, read_text_lines

END_OF_TEXT = "<|endoftext|>"


@keras.saving.register_keras_serializable(package="kerazoo")
class BytePairTokenizer(TextCodecMixin, keras_hub.tokenizers.BytePairTokenizer):
    """keras-hub's `BytePairTokenizer` with the kerazoo tokenizer interface.

    Args:
        vocabulary: dict mapping token to id, or the path of a `vocab.json`.
        merges: list of merge rules ("a b"), or the path of a `merges.txt`.
        end_token: str or None. The token that ends a sequence; it must be in
            the vocabulary and is never split. Its id is `end_token_id`
            (None without one).
        **kwargs: keras-hub `BytePairTokenizer` arguments
            (`sequence_length`, `add_prefix_space`, ...).

    Example:
    >>> vocabulary = {"<|endoftext|>": 0, "a": 1, "b": 2, "ab": 3}
    >>> tokenizer = BytePairTokenizer(vocabulary, ["a b"], end_token="<|endoftext|>")
    >>> tokenizer.encode("abba<|endoftext|>")
    [3, 2, 1, 0]
    >>> tokenizer.end_token_id
    0
    """

    def __init__(self, vocabulary=None, merges=None, end_token=None, **kwargs):
        self._init_end_token(end_token)
        super().__init__(vocabulary=vocabulary, merges=merges, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"end_token": self.end_token})
        return config


def load_byte_pair_tokenizer(vocabulary_file, merges_file):
    """Loads a GPT-2 style tokenizer from its `vocab.json` and `merges.txt`.

    The end token is `<|endoftext|>` when the vocabulary has it.

    Args:
        vocabulary_file: str or os.PathLike, JSON object mapping token to id.
        merges_file: str or os.PathLike, one merge rule ("a b") a line; a
            leading `#version` line and blank lines are skipped.

    Returns:
        `BytePairTokenizer`.

    Raises:
        ValueError: If a file is missing, is not valid, or a merge names a
            token that the vocabulary lacks.
    """
    vocabulary = read_byte_pair_vocabulary(vocabulary_file)
    merges = read_merges(merges_file)
    end_token = END_OF_TEXT if END_OF_TEXT in vocabulary else None
    return BytePairTokenizer(vocabulary=vocabulary, merges=merges, end_token=end_token)


def read_byte_pair_vocabulary(path):
    """Reads a `vocab.json`: a JSON object mapping token (str) to id (int)."""
    text = read_text_file(path, argument="vocabulary_file")
    try:
        vocabulary = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"`vocabulary_file` {os.fspath(path)!r} is not valid JSON ({error})."
        ) from None
    if not isinstance(vocabulary, dict) or not vocabulary or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in vocabulary.values()
    ):
        raise ValueError(
            f"`vocabulary_file` {os.fspath(path)!r} must hold a non-empty JSON "
            'object mapping each token to an integer id, like {"a": 0}.'
        )
    return vocabulary


def read_merges(path):
    """Reads a `merges.txt` into a list of "a b" rules, in rank order."""
    merges = []
    for number, line in enumerate(read_text_lines(path, argument="merges_file"), start=1):
        line = line.rstrip("\r")
        if not line or (number == 1 and line.startswith("#version")):
            continue
        if len(line.split(" ")) != 2:
            raise ValueError(
                f"`merges_file` {os.fspath(path)!r} line {number} is {line!r}; "
                "each line must be two tokens separated by one space."
            )
        merges.append(line)
    return merges
