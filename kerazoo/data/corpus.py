"""A training corpus: its documents, and all their token ids in one array.

A source is a text file (`.txt` or `.gz`), a list of them, a prepared TFDS
split (`tfds:NAME[/CONFIG][:SPLIT]`), or a shipped corpus by name (`ptb`,
`ptb:valid`, `ptb:test`: the Penn Treebank, see `kerazoo.data.ptb`). Each
file, TFDS example or PTB split is one document.
"""

import os

import numpy as np
import tqdm

from kerazoo.data.ptb import is_ptb_source, load_ptb_text, ptb_split
from kerazoo.data.text_files import read_text_file
from kerazoo.data.tfds_text import is_tfds_source, read_tfds_documents

# Characters per tokenizer call: large enough that per-call overhead is
# negligible, small enough that the progress bar moves on big corpora.
CHUNK_CHARACTERS = 1 << 16


def load_documents(source, *, data_dir=None, text_feature="text"):
    """Loads the text documents of a source.

    Args:
        source: str or os.PathLike of a text file; a list of them; a str
            `tfds:NAME[/CONFIG][:SPLIT]`; or `ptb[:SPLIT]` (the shipped Penn
            Treebank, unless a file of that name exists).
        data_dir: where TFDS datasets are prepared (TFDS sources only).
        text_feature: str, the TFDS feature holding the text (TFDS only).

    Returns:
        list of str, one per file or TFDS example.

    Raises:
        TypeError: If `source` is none of the forms above.
        ValueError: If a file or dataset is unusable (see `read_text_file`,
            `read_tfds_documents`), or the list is empty.
    """
    if is_tfds_source(source):
        return read_tfds_documents(source, data_dir=data_dir, text_feature=text_feature)
    if is_ptb_source(source):
        return [load_ptb_text(ptb_split(source))]
    if isinstance(source, (str, os.PathLike)):
        return [read_text_file(source, argument="source")]
    if isinstance(source, (list, tuple)):
        if not source:
            raise ValueError("`source` is an empty list; give at least one text file.")
        return [read_text_file(path, argument="source") for path in source]
    raise TypeError(
        "`source` must be a text file path, a list of them, or 'tfds:NAME[:SPLIT]'. "
        f"Received: {source!r} of type {type(source).__name__}."
    )


def tokenize_documents(documents, tokenizer, *, progress=True):
    """Token ids of all documents, end to end, as one int32 array.

    Between two documents goes the tokenizer's end token, when it has one
    (as in GPT-2's training data), so the model learns where texts end; a
    single document therefore gives exactly the tokenizer's ids for it.
    Long documents are tokenized in chunks cut at the start of a line, so
    that every chunk boundary is also a token boundary of the whole text; a
    chunk without a suitable line start (a line longer than a chunk) is cut
    before a single space between two words (a word boundary for word,
    WordPiece and byte-pair tokenizers alike), else at its length.

    Args:
        documents: list of str.
        tokenizer: a kerazoo tokenizer (it needs `encode` and `end_token_id`).
        progress: bool, show a tqdm progress bar (in characters).

    Returns:
        (num_tokens,) int32 NumPy array.

    Raises:
        ValueError: If a document cannot be encoded (for example characters
            outside a character vocabulary), or there are no tokens at all.
    """
    pieces = []
    total = sum(len(document) for document in documents)
    with tqdm.tqdm(
        total=total, unit="char", unit_scale=True, desc="Tokenizing", disable=not progress
    ) as bar:
        for index, document in enumerate(documents):
            if index and tokenizer.end_token_id is not None:
                pieces.append(np.array([tokenizer.end_token_id], np.int32))
            for chunk in _chunks(document, CHUNK_CHARACTERS):
                pieces.append(np.asarray(tokenizer.encode(chunk), np.int32))
                bar.update(len(chunk))
    token_ids = np.concatenate(pieces) if pieces else np.zeros([0], np.int32)
    if not token_ids.size:
        raise ValueError("`documents` hold no text, so there are no tokens.")
    return token_ids


def _chunks(text, size):
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            end = _last_line_start(text, start, end) or _last_word_start(text, start, end)
        yield text[start:end]
        start = end


def _last_line_start(text, start, end):
    """The last start of a line in (start, end) whose first character is not
    whitespace, or None when there is none.

    Byte-pair pre-tokenizers (GPT-2's pattern, and the Llama 3 pattern that
    keras-hub applies eagerly) all end a token after a newline that is
    followed by a non-space character, so a cut there changes no token.
    """
    newline = text.rfind("\n", start, end - 1)
    while newline >= start:
        if not text[newline + 1].isspace():
            return newline + 1
        newline = text.rfind("\n", start, newline)
    return None


def _last_word_start(text, start, end):
    """The position of the last single space in (start, end) with a
    non-space character on both sides, or `end` when there is none.

    A cut there leaves the space at the start of the next chunk, where
    GPT-2's pattern (` ?\\p{L}+`) also starts a token.
    """
    space = text.rfind(" ", start + 1, end - 1)
    while space > start:
        if not text[space - 1].isspace() and not text[space + 1].isspace():
            return space
        space = text.rfind(" ", start + 1, space)
    return end
