"""Where a translation looks: the cross-attention of one sentence, and its heatmap as a PNG.

The sentence is translated (greedy or beam search), then the translation is
fed back teacher-forced (`[START]` + its tokens) through the model's
`cross_attention_scores`: row i of the weights is the attention of the
chosen decoder layer and head while the model emitted target token i (the
last one `[END]`) over the source tokens (the last one `[END]`).
"""

import os
from typing import NamedTuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kerazoo.data.translation import pack_sources, start_token_id
from kerazoo.generation.translation import translation_ids
from kerazoo.utils.atomic import atomic_path
from kerazoo.utils.checks import check_int


class TranslationAttention(NamedTuple):
    """The cross-attention of one translated sentence.

    Attributes:
        source_tokens: list of str, the source's WordPiece tokens and `[END]`.
        target_tokens: list of str, the translation's tokens and `[END]`.
        weights: (len(target_tokens), len(source_tokens)) float32; each row
            sums to 1.
        layer, head: the decoder layer and head they come from.
    """

    source_tokens: list
    target_tokens: list
    weights: np.ndarray
    layer: int
    head: int


def translation_attention(model, tokenizer, source, layer=None, head=0, num_beams=1,
                          length_penalty=1.0, max_new_tokens=None):
    """Translate `source` and return the cross-attention of one decoder layer and head.

    Args:
        model: an encoder-decoder with `cross_attention_scores`, e.g.
            `kerazoo.models.build("transformer")`.
        tokenizer: its tokenizer (`train_joint_word_piece`).
        source: str, one sentence.
        layer: int in [0, num_decoder_layers), or None for the last layer.
        head: int in [0, num_heads).
        num_beams, length_penalty, max_new_tokens: as `translate`.

    Returns:
        `TranslationAttention`.

    Raises:
        ValueError: a model without cross-attention, or a layer or head out
            of range.
    """
    if not hasattr(model, "cross_attention_scores"):
        raise ValueError(
            f"{type(model).__name__} has no cross-attention to show; an attention "
            "heatmap needs an encoder-decoder such as the transformer family."
        )
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"`source` must be one non-empty sentence (a str), got {source!r}.")
    layer = model.num_decoder_layers - 1 if layer is None else layer
    check_int("head", head, low=0)
    if head >= model.num_heads:
        raise ValueError(
            f"`head`={head} is out of range: the model has {model.num_heads} heads "
            f"(0 to {model.num_heads - 1})."
        )
    target = translation_ids(model, tokenizer, [source], max_new_tokens, num_beams,
                             length_penalty)[0]
    inputs = pack_sources(tokenizer, [source], model.max_source_length)
    decoder_ids = np.array([[start_token_id(tokenizer), *target]], "int32")
    scores = model.cross_attention_scores(
        {**inputs, "decoder_token_ids": decoder_ids,
         "decoder_padding_mask": np.ones_like(decoder_ids)},
        layer,
    )
    end = tokenizer.end_token_id
    source_ids = np.asarray(inputs["encoder_token_ids"])[0]
    return TranslationAttention(
        source_tokens=[tokenizer.id_to_token(int(i)) for i in source_ids],
        target_tokens=[tokenizer.id_to_token(int(i)) for i in [*target, end]],
        weights=np.asarray(scores)[0, head],
        layer=layer,
        head=head,
    )


def save_attention_heatmap(attention, path: str | os.PathLike) -> None:
    """Draw a `TranslationAttention` as a heatmap PNG (source across, target down).

    Drawn on matplotlib's Agg canvas without `pyplot` (no display needed,
    a notebook's backend untouched) and written atomically.

    Args:
        attention: `TranslationAttention`.
        path: the PNG file to write.
    """
    rows, columns = attention.weights.shape
    figure = Figure(figsize=(max(4.0, 0.45 * columns + 1.5), max(3.0, 0.4 * rows + 1.2)),
                    dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    image = axes.imshow(attention.weights, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    axes.set_xticks(range(columns), attention.source_tokens, rotation=60, ha="right")
    axes.set_yticks(range(rows), attention.target_tokens)
    axes.set_xlabel("source")
    axes.set_ylabel("translation")
    axes.set_title(f"cross-attention, decoder layer {attention.layer}, head {attention.head}")
    figure.colorbar(image, ax=axes, fraction=0.04)
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png")
