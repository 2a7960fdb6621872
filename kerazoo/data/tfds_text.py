"""Text documents from an already prepared TensorFlow Datasets (TFDS) dataset.

A source string `tfds:NAME[/CONFIG][:SPLIT]` names the dataset, for example
`tfds:tiny_shakespeare:train` or `tfds:wiki40b/en:validation[:10%]`. kerazoo
never downloads: the dataset must already be prepared under `data_dir` (with
`tfds build NAME` or `tfds.load(NAME, download=True)`), so training runs are
reproducible offline.
"""

import tensorflow as tf
import tensorflow_datasets as tfds

from kerazoo.data.text_files import decode_utf8

TFDS_PREFIX = "tfds:"
DEFAULT_SPLIT = "train"


def is_tfds_source(source):
    """Whether `source` is a `tfds:...` string."""
    return isinstance(source, str) and source.startswith(TFDS_PREFIX)


def parse_tfds_source(source):
    """Splits `tfds:NAME[/CONFIG][:SPLIT]` into (name, split).

    Args:
        source: str starting with `tfds:`. SPLIT may use TFDS slicing
            (`train[:10%]`) and defaults to `train`.

    Returns:
        (name, split): name with its config (`wiki40b/en`), and the split.
    """
    if not is_tfds_source(source):
        raise ValueError(
            f"`source` must start with {TFDS_PREFIX!r}. Received: source={source!r}."
        )
    # The first colon ends the name: names never hold one, slices may.
    name, _, split = source[len(TFDS_PREFIX):].partition(":")
    if not name:
        raise ValueError(
            "`source` must name a dataset, as in 'tfds:NAME[/CONFIG][:SPLIT]'. "
            f"Received: source={source!r}."
        )
    return name, split or DEFAULT_SPLIT


def read_tfds_documents(source, *, data_dir=None, text_feature="text"):
    """Loads the text of every example of a prepared TFDS split.

    Args:
        source: str, `tfds:NAME[/CONFIG][:SPLIT]`.
        data_dir: str, os.PathLike or None; where the dataset is prepared
            (None: TFDS's default, `~/tensorflow_datasets`).
        text_feature: str, the feature that holds each example's text.

    Returns:
        list of str, one document per example, in the split's order.

    Raises:
        ValueError: If the dataset is unknown or not prepared, lacks
            `text_feature`, the feature is not a string, its bytes are not
            UTF-8, or the split has no examples.
    """
    dataset = load_prepared(source, data_dir)
    check_text_features(dataset, source, {"text_feature": text_feature})
    texts = dataset.map(lambda example: example[text_feature])
    documents = [
        decode_utf8(data, f"`source` {source!r} example {index} ({text_feature!r})")
        for index, data in enumerate(texts.as_numpy_iterator())
    ]
    if not documents:
        raise ValueError(f"`source` {source!r} has no examples.")
    return documents


def load_prepared(source, data_dir=None):
    """The `tf.data.Dataset` of a prepared TFDS split, never downloading.

    Args:
        source: str, `tfds:NAME[/CONFIG][:SPLIT]`.
        data_dir: str, os.PathLike or None, as in `read_tfds_documents`.

    Raises:
        ValueError: If the dataset is unknown or not prepared in `data_dir`.
    """
    name, split = parse_tfds_source(source)
    try:
        return tfds.load(
            name, split=split, data_dir=data_dir, download=False, shuffle_files=False
        )
    except tfds.core.registered.DatasetNotFoundError:
        raise ValueError(
            f"`source` {source!r} names {name!r}, which is not a TFDS dataset; "
            "see `tfds.list_builders()` for the names allowed."
        ) from None
    except AssertionError as error:
        # TFDS reports a dataset that was never prepared with an assertion.
        raise ValueError(
            f"`source` {source!r}: dataset {name!r} is not prepared in "
            f"data_dir={data_dir!r}, and kerazoo does not download. Prepare it "
            f"first (`tfds build {name}`) or pass the data_dir that holds it "
            f"({error})."
        ) from None


def check_text_features(dataset, source, features):
    """Checks that every named feature of `dataset` holds one string per example.

    Args:
        dataset: from `load_prepared`.
        source: str, its `tfds:` source, for messages.
        features: dict of the caller's argument name -> feature name
            (`{"text_feature": "text"}`).

    Raises:
        ValueError: naming the argument, if a feature is missing (listing the
            dataset's features) or is not a string scalar.
    """
    spec = dataset.element_spec
    for argument, feature in features.items():
        if not isinstance(spec, dict) or feature not in spec:
            present = sorted(spec) if isinstance(spec, dict) else spec
            raise ValueError(
                f"`{argument}` {feature!r} is not a feature of {source!r}; "
                f"its features are {present}."
            )
        if spec[feature].dtype != tf.string or spec[feature].shape.rank != 0:
            raise ValueError(
                f"`{argument}` {feature!r} of {source!r} must be a string "
                f"scalar per example. Received: {spec[feature]}."
            )
