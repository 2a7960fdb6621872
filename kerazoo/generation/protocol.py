"""The decoding protocol: what a model provides so every decoding loop can drive it.

Greedy decoding, sampling and beam search are written once, in
`kerazoo.generation`, and drive any model that has these members (a GPT's
key/value cache, a recurrent `(h, c)` state and an encoder-decoder's caches
all fit):

    vocabulary_size: int
        Width of the logits.
    context_window: int or None
        The most positions the decoding state holds (a Transformer's
        `max_sequence_length`), or None when it is unbounded (a recurrent
        state). With a window, a loop that outgrows it slides: it re-encodes
        the newest tokens into a fresh state (`kerazoo.generation.decoding`).
    init_decoding_state(batch_size, encoder_inputs=None) -> state
        An empty state for `batch_size` rows: any nest (tuple, dict, ...) of
        tensors whose leading dimension is the batch, so a loop can gather
        rows of it (beam search reorders beams this way). A model with an
        encoder runs it here, once per source, from `encoder_inputs` (a nest
        of tensors of `batch_size` rows), and keeps what each step needs (the
        encoder outputs or their keys/values) inside the state.
    decode_step(token_ids, state, index, token_mask=None) -> (logits, state)
        Feeds `token_ids` (batch, T) int32 at positions `index .. index + T
        - 1` (`index` a scalar int32 tensor or int) and returns (batch, T,
        vocabulary_size) logits (float32) and the new state. `T` is the
        prompt width when prefilling and 1 when stepping. `token_mask`
        (batch, T) int32, 1 for real tokens, marks positions that must leave
        the state as if they were absent (right padding of a prefill). Models
        whose state is indexed by position (a key/value cache) may ignore it,
        since later steps overwrite those slots before any query reads them.
        Equal to the full forward pass on the same tokens.

`check_decodable(model)` says clearly which member a model lacks.
"""

DECODING_MEMBERS = ("vocabulary_size", "context_window", "init_decoding_state", "decode_step")


def check_decodable(model):
    """Raise a `TypeError` naming what `model` lacks to be decoded from.

    Args:
        model: any object.

    Raises:
        TypeError: if a member of the decoding protocol is missing.
    """
    missing = [name for name in DECODING_MEMBERS if not hasattr(model, name)]
    if missing:
        raise TypeError(
            f"`model` ({type(model).__name__}) cannot be decoded from: it lacks "
            f"{missing} of the decoding protocol (see kerazoo.generation.protocol). "
            "Pass a language-model task such as kerazoo.models.build('gpt'), not a "
            "backbone."
        )
