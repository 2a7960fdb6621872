"""A parallel corpus from an already prepared TFDS translation dataset.

TFDS translation sets (`wmt14_translate/de-en`, `ted_hrlr_translate/pt_to_en`,
...) yield one dict per sentence pair, keyed by language code:
`{"de": b"Ein Haus.", "en": b"A house."}`. Two of those features become a
`ParallelCorpus`, with the same handling as two files: surrounding
whitespace stripped, pairs with an empty side dropped and counted. As for
`kerazoo.data.tfds_text`, the source is `tfds:NAME[/CONFIG][:SPLIT]` and
nothing is downloaded: the dataset must be prepared under `data_dir`.
"""

from kerazoo.data.parallel_corpus import aligned_pairs
from kerazoo.data.text_files import decode_utf8
from kerazoo.data.tfds_text import check_text_features, load_prepared


def read_tfds_parallel_corpus(source, source_language="de", target_language="en", *,
                              data_dir=None):
    """The sentence pairs of a prepared TFDS translation split.

    Args:
        source: str, `tfds:NAME[/CONFIG][:SPLIT]`, e.g.
            `tfds:wmt14_translate/de-en:test`; SPLIT defaults to `train`.
        source_language, target_language: str, the features (language
            codes) to translate from and into.
        data_dir: str, os.PathLike or None; where the dataset is prepared
            (None: TFDS's default, `~/tensorflow_datasets`).

    Returns:
        `kerazoo.data.parallel_corpus.ParallelCorpus`, in the split's order.

    Raises:
        ValueError: If the dataset is unknown or not prepared, a language is
            not one of its features (the message lists them), the two
            languages are the same, a sentence is not UTF-8, or no pair with
            two non-empty sides is left.
    """
    if source_language == target_language:
        raise ValueError(
            f"`source_language` and `target_language` must differ; both are "
            f"{source_language!r}."
        )
    dataset = load_prepared(source, data_dir)
    check_text_features(dataset, source, {"source_language": source_language,
                                          "target_language": target_language})
    pairs = dataset.map(lambda example: (example[source_language], example[target_language]))
    sources, targets = [], []
    for index, (source_bytes, target_bytes) in enumerate(pairs.as_numpy_iterator()):
        where = f"`source` {source!r} example {index}"
        sources.append(decode_utf8(source_bytes, f"{where} ({source_language!r})"))
        targets.append(decode_utf8(target_bytes, f"{where} ({target_language!r})"))
    return aligned_pairs(sources, targets, f"`source` {source!r} ({source_language!r} and "
                                           f"{target_language!r})")
