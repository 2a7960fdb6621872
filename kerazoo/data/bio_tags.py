"""Entities of BIO (and IOBES) tag sequences, delimited as conlleval and seqeval delimit them.

A tag is `O` or `PREFIX-TYPE`, PREFIX one of `B` (begins), `I` (inside), `E` (ends), `S`
(single). Chunks follow conlleval's rules (seqeval's default mode): an entity starts at a
`B`/`S`, at an `I`/`E` after `O` (an `I-` without its `B-` starts one), or where the type
changes; it ends before a `B`/`S`/`O`, after an `E`/`S`, or where the type changes. The rules
run in TensorFlow ops, so evaluation and exported SavedModels delimit entities the same way.
"""

from typing import NamedTuple

import tensorflow as tf

OUTSIDE = "O"
PREFIXES = ("O", "B", "I", "E", "S")  # Codes 0..4, in this order.
_O, _B, _I, _E, _S = range(len(PREFIXES))


class TagScheme(NamedTuple):
    """What each tag id means: its prefix code, its entity type id (-1 for `O`)."""

    label_names: tuple
    prefixes: tuple  # int per tag id, an index of PREFIXES
    types: tuple  # int per tag id, an index of type_names; -1 for O
    type_names: tuple  # the entity types, sorted
    outside_id: int  # the id of `O`


def tag_scheme(label_names):
    """The `TagScheme` of a model's tags.

    Raises:
        ValueError: `O` is missing, or a tag is not `O` nor `PREFIX-TYPE` (PREFIX in B, I, E,
            S; TYPE non-empty).
    """
    label_names = tuple(str(name) for name in label_names)
    if OUTSIDE not in label_names:
        raise ValueError(
            f"The tags {list(label_names)} lack {OUTSIDE!r}: entity tagging needs the outside "
            "tag besides `B-TYPE`/`I-TYPE` tags."
        )
    malformed = [name for name in label_names
                 if name != OUTSIDE and (name[:2] not in ("B-", "I-", "E-", "S-") or not name[2:])]
    if malformed:
        raise ValueError(
            f"Tag(s) {malformed[:10]} are not BIO tags: each tag must be {OUTSIDE!r} or "
            "`PREFIX-TYPE` with PREFIX one of B, I, E, S (e.g. `B-person`, `I-person`)."
        )
    type_names = tuple(sorted({name[2:] for name in label_names if name != OUTSIDE}))
    prefixes = tuple(PREFIXES.index(name[0]) if name != OUTSIDE else _O for name in label_names)
    types = tuple(type_names.index(name[2:]) if name != OUTSIDE else -1 for name in label_names)
    return TagScheme(label_names, prefixes, types, type_names, label_names.index(OUTSIDE))


def entity_spans(tag_ids, scheme):
    """The entities of each row of tag ids.

    Args:
        tag_ids: (rows, None) int `tf.RaggedTensor` (or dense, where trailing `O` is padding)
            of ids into `scheme.label_names`.
        scheme: `tag_scheme(label_names)`.

    Returns:
        Four (entities,) int32 tensors, entities in row-major order: `rows`, `starts` (the
        first word), `ends` (the last word, inclusive) and `types` (indices of
        `scheme.type_names`).
    """
    if isinstance(tag_ids, tf.RaggedTensor):
        tag_ids = tag_ids.to_tensor(default_value=scheme.outside_id)
    tag_ids = tf.cast(tag_ids, tf.int32)
    # A trailing `O` column closes an entity that ends a row.
    outside = tf.fill([tf.shape(tag_ids)[0], 1], scheme.outside_id)
    tag_ids = tf.concat([tag_ids, outside], axis=1)
    prefix = tf.gather(tf.constant(scheme.prefixes, tf.int32), tag_ids)
    kind = tf.gather(tf.constant(scheme.types, tf.int32), tag_ids)
    # What precedes each word; an `O` precedes the first.
    previous_prefix = tf.concat([tf.fill(tf.shape(outside), _O), prefix[:, :-1]], axis=1)
    previous_kind = tf.concat([tf.fill(tf.shape(outside), -1), kind[:, :-1]], axis=1)

    def previous_is(*codes):
        return tf.reduce_any(tf.stack([previous_prefix == code for code in codes]), axis=0)

    def is_(*codes):
        return tf.reduce_any(tf.stack([prefix == code for code in codes]), axis=0)

    type_changes = previous_kind != kind
    # An entity ends just before this word.
    ends = (previous_is(_E, _S)
            | (previous_is(_B, _I) & is_(_B, _S, _O))
            | ((previous_prefix != _O) & type_changes))
    # An entity starts at this word.
    starts = (is_(_B, _S)
              | (previous_is(_E, _S, _O) & is_(_E, _I))
              | ((prefix != _O) & type_changes))
    # Entities neither nest nor overlap, so the k-th start pairs with the k-th end.
    start_at = tf.cast(tf.where(starts), tf.int32)  # (entities, 2): row, word
    end_at = tf.cast(tf.where(ends), tf.int32)
    return (start_at[:, 0], start_at[:, 1], end_at[:, 1] - 1, tf.gather_nd(kind, start_at))
