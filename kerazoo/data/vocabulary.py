"""Vocabulary: words and their ids, with four reserved tokens first.

Ids 0-3 are the reserved tokens, in this order: padding (`<PAD>`, id 0),
unknown (`<UNK>`), start (`<BOS>`) and end (`<EOS>`); their spellings can
be changed (Penn Treebank's files spell the unknown word `<unk>` and the
line end `<eos>`). The other words follow by descending frequency in the
corpus, ties in Unicode order of the words, so a corpus always gives the
same ids.

File format: UTF-8 plain text, one token per line in id order (the
reserved tokens on lines 1-4), `\\n` after every line. Tokens are words:
non-empty and without whitespace, so no escaping is needed.
"""

import collections
import collections.abc
import os

from kerazoo.data.text_files import read_text_lines
from kerazoo.utils.atomic import atomic_write_text

RESERVED_ROLES = ("padding", "unknown", "start", "end")
DEFAULT_RESERVED_TOKENS = ("<PAD>", "<UNK>", "<BOS>", "<EOS>")


class Vocabulary:
    """An immutable list of tokens, the reserved ones first.

    Args:
        tokens: sequence of str in id order; the first four are the reserved
            tokens, in the order padding, unknown, start, end.
        padding_token, unknown_token, start_token, end_token: str, the
            spellings of the reserved tokens. Default `<PAD>`, `<UNK>`,
            `<BOS>`, `<EOS>`.

    Raises:
        TypeError: If `tokens` is not a sequence of str.
        ValueError: If a token is empty or holds whitespace, a token repeats,
            or the first four tokens are not the reserved ones.

    Example:
    >>> vocabulary = Vocabulary.build("the cat saw the dog".split())
    >>> vocabulary.tokens
    ('<PAD>', '<UNK>', '<BOS>', '<EOS>', 'the', 'cat', 'dog', 'saw')
    >>> vocabulary.encode(["the", "bird"])
    [4, 1]
    >>> vocabulary.decode([4, 6])
    ['the', 'dog']
    """

    def __init__(
        self,
        tokens,
        padding_token=DEFAULT_RESERVED_TOKENS[0],
        unknown_token=DEFAULT_RESERVED_TOKENS[1],
        start_token=DEFAULT_RESERVED_TOKENS[2],
        end_token=DEFAULT_RESERVED_TOKENS[3],
    ):
        reserved = _check_reserved(padding_token, unknown_token, start_token, end_token)
        if isinstance(tokens, str) or not isinstance(tokens, (list, tuple)):
            raise TypeError(
                "`tokens` must be a list of str. Received: tokens of type "
                f"{type(tokens).__name__}."
            )
        tokens = tuple(tokens)
        for index, token in enumerate(tokens):
            _check_token(token, f"`tokens`[{index}]")
        _check_unique(tokens, "in a vocabulary")
        if tokens[:4] != reserved:
            raise ValueError(
                "The vocabulary must start with its reserved tokens "
                f"{list(reserved)} ({', '.join(RESERVED_ROLES)}, ids 0-3). Received: "
                f"it starts with {list(tokens[:4])}."
            )
        self._tokens = tokens
        self._ids = {token: index for index, token in enumerate(tokens)}

    @classmethod
    def build(
        cls,
        words,
        max_size=None,
        min_frequency=1,
        padding_token=DEFAULT_RESERVED_TOKENS[0],
        unknown_token=DEFAULT_RESERVED_TOKENS[1],
        start_token=DEFAULT_RESERVED_TOKENS[2],
        end_token=DEFAULT_RESERVED_TOKENS[3],
    ):
        """The vocabulary of a corpus's words.

        Args:
            words: iterable of str (the corpus's words, in any order), or a
                mapping of word to count (e.g. a `collections.Counter`).
            max_size: int or None. The most tokens, the four reserved ones
                included; the most frequent words are kept. None: no cap.
            min_frequency: int >= 1. Words seen fewer times are left out
                (they will encode as the unknown token).
            padding_token, unknown_token, start_token, end_token: see the
                class. Occurrences of them in `words` are not counted.

        Returns:
            `Vocabulary`.

        Raises:
            ValueError: If there are no words, `max_size` < 5 or
                `min_frequency` < 1.
        """
        reserved = _check_reserved(padding_token, unknown_token, start_token, end_token)
        if max_size is not None:
            if isinstance(max_size, bool) or not isinstance(max_size, int):
                raise TypeError(f"`max_size` must be an int or None. Received: {max_size!r}.")
            if max_size <= len(reserved):
                raise ValueError(
                    f"`max_size` must exceed the {len(reserved)} reserved tokens. "
                    f"Received: max_size={max_size}."
                )
        if isinstance(min_frequency, bool) or not isinstance(min_frequency, int):
            raise TypeError(f"`min_frequency` must be an int. Received: {min_frequency!r}.")
        if min_frequency < 1:
            raise ValueError(f"`min_frequency` must be >= 1. Received: {min_frequency}.")
        if isinstance(words, str):
            raise TypeError(
                "`words` must be an iterable of words or a mapping of word to count, "
                "not one str; split the text first (e.g. text.split())."
            )
        counts = collections.Counter()
        if isinstance(words, collections.abc.Mapping):
            counts.update(dict(words))
        else:
            counts.update(words)
        if not counts:
            raise ValueError(
                "`words` is empty: a vocabulary needs a corpus with at least one word."
            )
        for token in reserved:
            counts.pop(token, None)
        ranked = sorted(
            (item for item in counts.items() if item[1] >= min_frequency),
            key=lambda item: (-item[1], item[0]),
        )
        if max_size is not None:
            ranked = ranked[: max_size - len(reserved)]
        for word, _ in ranked:
            _check_token(word, "a word of `words`")
        return cls([*reserved, *(word for word, _ in ranked)], *reserved)

    @classmethod
    def load(
        cls,
        path,
        padding_token=DEFAULT_RESERVED_TOKENS[0],
        unknown_token=DEFAULT_RESERVED_TOKENS[1],
        start_token=DEFAULT_RESERVED_TOKENS[2],
        end_token=DEFAULT_RESERVED_TOKENS[3],
    ):
        """Reads a vocabulary file (format: module docstring).

        Raises:
            ValueError: If the file is unreadable, a line is empty or holds
                whitespace, a token repeats, or lines 1-4 are not the reserved
                tokens; the message names the file and the line.
        """
        tokens = read_word_vocabulary(path)
        reserved = _check_reserved(padding_token, unknown_token, start_token, end_token)
        if tuple(tokens[:4]) != reserved:
            raise ValueError(
                f"The vocabulary file {os.fspath(path)!r} lacks its reserved tokens: "
                f"lines 1-4 must be {list(reserved)} ({', '.join(RESERVED_ROLES)}), "
                f"and are {tokens[:4]}. Build the vocabulary with Vocabulary.build, "
                "or pass the reserved tokens' spellings this file uses."
            )
        return cls(tokens, *reserved)

    def save(self, path):
        """Writes the vocabulary file (format: module docstring), atomically."""
        atomic_write_text(path, "".join(token + "\n" for token in self._tokens))

    @property
    def tokens(self):
        """All tokens in id order, a tuple."""
        return self._tokens

    @property
    def reserved_tokens(self):
        """The reserved tokens (padding, unknown, start, end), ids 0-3."""
        return self._tokens[:4]

    padding_id = 0
    unknown_id = 1
    start_id = 2
    end_id = 3

    def __len__(self):
        return len(self._tokens)

    def __contains__(self, token):
        return token in self._ids

    def __eq__(self, other):
        return isinstance(other, Vocabulary) and other._tokens == self._tokens

    def __hash__(self):
        return hash(self._tokens)

    def __repr__(self):
        return f"Vocabulary({len(self)} tokens, reserved {list(self.reserved_tokens)})"

    def id_of(self, token):
        """The id of `token`, or the unknown token's id (1) when it has none."""
        return self._ids.get(token, self.unknown_id)

    def token_of(self, id):
        """The token with id `id`.

        Raises:
            ValueError: If `id` is not in [0, len(self)).
        """
        if isinstance(id, bool) or not isinstance(id, int):
            raise TypeError(f"`id` must be an int. Received: id={id!r}.")
        if not 0 <= id < len(self._tokens):
            raise ValueError(f"`id` must be in [0, {len(self._tokens)}). Received: id={id}.")
        return self._tokens[id]

    def encode(self, words):
        """Ids of `words` (a list of str); unknown words get the unknown id."""
        if isinstance(words, str):
            raise TypeError(
                "`words` must be a list of words, not one str; split the text first."
            )
        return [self._ids.get(word, self.unknown_id) for word in words]

    def decode(self, ids):
        """The tokens of `ids` (a sequence of ints), reserved tokens included."""
        return [self.token_of(int(id)) for id in ids]


def read_word_vocabulary(path):
    """The tokens of a vocabulary file, checked line by line.

    Args:
        path: str or os.PathLike.

    Returns:
        list of str, in id order.

    Raises:
        ValueError: If the file is unreadable (see `read_text_file`), a line
            is empty or holds whitespace, or a token repeats.
    """
    tokens = read_text_lines(path, argument="vocabulary file")
    where = f"The vocabulary file {os.fspath(path)!r}"
    for number, token in enumerate(tokens, start=1):
        if not token or token != "".join(token.split()):
            raise ValueError(
                f"{where} line {number} is {token!r}; each line must be one token, "
                "non-empty and without spaces."
            )
    _check_unique(tokens, f"in the vocabulary file {os.fspath(path)!r}", "lines", first=1)
    return tokens


def _check_token(token, what):
    if not isinstance(token, str):
        raise TypeError(f"{what} must be a str. Received: {token!r}.")
    if not token or token != "".join(token.split()):
        raise ValueError(
            f"{what} is {token!r}; tokens must be non-empty and hold no whitespace."
        )


def _check_unique(tokens, where, positions="ids", first=0):
    """Raises a ValueError naming a repeated token and where it is."""
    if len(set(tokens)) == len(tokens):
        return
    places = collections.defaultdict(list)
    for index, token in enumerate(tokens, start=first):
        places[token].append(index)
    repeats = {token: found for token, found in places.items() if len(found) > 1}
    token, found = next(iter(repeats.items()))
    others = f"; {len(repeats) - 1} other token(s) repeat too" if len(repeats) > 1 else ""
    raise ValueError(
        f"Tokens must not repeat {where}: {token!r} is at {positions} {found}{others}."
    )


def _check_reserved(*tokens):
    for role, token in zip(RESERVED_ROLES, tokens):
        _check_token(token, f"The {role} token")
    if len(set(tokens)) != len(tokens):
        raise ValueError(
            f"The reserved tokens ({', '.join(RESERVED_ROLES)}) must differ. "
            f"Received: {list(tokens)}."
        )
    return tuple(tokens)
