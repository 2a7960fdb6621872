"""The Penn Treebank (Mikolov's 10k-word version), shipped in `data/`.

The text is already tokenized: lowercase words separated by spaces, numbers
as `N`, rare words as `<unk>`, one sentence per line (see `data/README.md`).
The standard setup (Zaremba et al. 2014, TensorFlow's PTB tutorial) keeps
`<unk>` as a word and adds `<eos>` at the end of every line; so does this
module:

- `load_ptb_words(split)`: the split's words with `<eos>` per line (train
  929,589, valid 73,760, test 82,430 tokens);
- `ptb_tokenizer()`: a `WordTokenizer` with the training words as its
  vocabulary, `<unk>` as its unknown token and `<eos>` as its end token
  and line break token, so that `tokenizer.encode(load_ptb_text(split))`
  gives the ids of `load_ptb_words(split)`. With the padding and start
  tokens it has 10,002 ids; the two never occur in the data.

Source names: `ptb` (the training split), `ptb:train`, `ptb:valid`,
`ptb:test`, usable wherever kerazoo takes a text source (`--data`,
`load_documents`), unless a file of that name exists.
"""

import os

from kerazoo.data.shipped import shipped_path
from kerazoo.data.text_files import read_text_file

PTB_SPLITS = ("train", "valid", "test")
PTB_NAME = "ptb"
# The `WordTokenizer` arguments of the standard setup.
PTB_WORD_TOKENIZER_OPTIONS = {
    "unknown_token": "<unk>",
    "end_token": "<eos>",
    "line_break_token": "<eos>",
    "split": "whitespace",
    "lowercase": False,
}


def is_ptb_source(source):
    """Whether `source` names the shipped Penn Treebank (`ptb[:SPLIT]`) and
    no file of that name exists."""
    if not isinstance(source, str) or os.path.exists(source):
        return False
    return source.partition(":")[0] == PTB_NAME


def ptb_split(source):
    """The split a PTB source name stands for: `ptb` -> `"train"`.

    Raises:
        ValueError: for an unknown split.
    """
    _, _, split = source.partition(":")
    split = split or "train"
    if split not in PTB_SPLITS:
        raise ValueError(
            f"Unknown Penn Treebank split {split!r} in {source!r}. Use one of "
            f"{[f'{PTB_NAME}:{name}' for name in PTB_SPLITS]} (`{PTB_NAME}` alone is "
            "the training split)."
        )
    return split


def ptb_file(split="train"):
    """The path of the shipped `ptb.{split}.txt.gz`."""
    if split not in PTB_SPLITS:
        raise ValueError(f"`split` must be one of {PTB_SPLITS}. Received: split={split!r}.")
    return shipped_path(f"ptb.{split}.txt.gz", "Pass `--data PATH` to a text file")


def load_ptb_text(split="train"):
    """The text of a split, as in the file: one sentence a line."""
    return read_text_file(ptb_file(split), argument="split")


def load_ptb_words(split="train"):
    """The words of a split with `<eos>` after every line, `<unk>` kept.

    Returns:
        list of str (929,589 for train, 73,760 for valid, 82,430 for test).

    Example:
    >>> load_ptb_words("valid")[:5]
    ['consumers', 'may', 'want', 'to', 'move']
    """
    text = load_ptb_text(split)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [word for line in lines for word in (*line.split(), "<eos>")]


def ptb_tokenizer(progress=False):
    """The standard PTB word tokenizer: the training split's 10,000 words.

    Returns:
        `kerazoo.data.WordTokenizer` with 10,002 ids: `<PAD>` 0, `<unk>` 1,
        `<BOS>` 2, `<eos>` 3, then the words by descending training
        frequency.
    """
    from kerazoo.data.word_tokenizer import WordTokenizer

    return WordTokenizer.from_corpus(
        load_ptb_text("train"), progress=progress, **PTB_WORD_TOKENIZER_OPTIONS
    )
