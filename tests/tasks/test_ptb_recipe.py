"""The recurrent PTB presets train with Zaremba et al.'s recipe, and its loss reduction is the one applied."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerazoo
from kerazoo.cli.main import build_parser
from kerazoo.cli.train_command import apply_preset_task_options
from kerazoo.data import causal_lm_contiguous_batches, load_documents, ptb_tokenizer, tokenize_documents
from kerazoo.tasks import training_settings
from kerazoo.training import compile_model, optimizer_for

# Zaremba et al. 2014 (and TensorFlow's PTB tutorial): SGD at rate 1 on the
# loss summed over the T unrolled steps, clip 5, batch 20; the rate decays
# by `decay` at each epoch after `constant`.
ZAREMBA = {
    "ptb-small": {"T": 20, "epochs": 13, "constant": 4, "decay": 0.5},
    "ptb-medium": {"T": 35, "epochs": 39, "constant": 6, "decay": 0.8},
    # The tied-weight medium variant: the same updates on a short schedule.
    "ptb-medium-tied": {"T": 35, "epochs": 7, "constant": 3, "decay": 0.5},
}


@pytest.fixture(scope="module")
def ptb_train_ids():
    return tokenize_documents(load_documents("ptb"), ptb_tokenizer(), progress=False)


@pytest.mark.parametrize("preset", sorted(ZAREMBA))
def test_the_ptb_presets_recipe_is_zarembas_on_the_token_mean_loss(preset, ptb_train_ids):
    paper = ZAREMBA[preset]
    config, batch_size = training_settings("lstm_lm", preset)
    window = kerazoo.models.resolve_config("lstm_lm", preset).max_sequence_length
    assert (window, batch_size, config.epochs) == (paper["T"], 20, paper["epochs"])
    assert (config.optimizer, config.schedule) == ("sgd", "step_decay")
    # Token-mean loss: the rate times T, the clip norm over T.
    assert config.peak_learning_rate == pytest.approx(1.0 * paper["T"])
    assert config.global_clipnorm == pytest.approx(5.0 / paper["T"])
    # An epoch is one pass over the training tokens in 20 contiguous streams.
    batches = causal_lm_contiguous_batches(ptb_train_ids, window, batch_size)
    assert config.steps_per_epoch == batches.steps_per_pass
    schedule = config.learning_rate_schedule()
    first_steps = [epoch * config.steps_per_epoch for epoch in range(config.epochs)]
    expected = [paper["T"] * paper["decay"] ** max(epoch + 1 - paper["constant"], 0)
                for epoch in range(config.epochs)]
    assert [float(schedule(step)) for step in first_steps] == pytest.approx(expected)
    assert float(schedule(first_steps[paper["constant"]] - 1)) == paper["T"]


@pytest.mark.parametrize("weight_scale, clipped", [(1.0, False), (8.0, True)])
def test_an_update_at_the_recipes_rate_is_zarembas_update_on_the_summed_loss(
        weight_scale, clipped):
    config, _ = training_settings("lstm_lm", "ptb-small")
    window = ZAREMBA["ptb-small"]["T"]
    task = kerazoo.tasks.task_of("lstm_lm")

    def tiny():
        keras.utils.set_random_seed(7)
        model = kerazoo.models.build("lstm_lm", "ptb-small", vocabulary_size=40, hidden_dim=16,
                                     embedding_dim=16)
        for variable in model.trainable_variables:  # Larger weights: larger gradients.
            variable.assign(variable * weight_scale)
        return model

    rng = np.random.default_rng(0)
    inputs = rng.integers(0, 40, (4, window)).astype("int32")
    targets = rng.integers(0, 40, (4, window)).astype("int32")

    # Zaremba et al.: cross-entropy summed over the unrolled steps, averaged
    # over the batch; gradients clipped to a global norm of 5; SGD at rate 1.
    theirs = tiny()
    with tf.GradientTape() as tape:
        logits = theirs(inputs, training=True)
        losses = keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
        summed = tf.reduce_mean(tf.reduce_sum(losses, axis=1))
    gradients = tape.gradient(summed, theirs.trainable_variables)
    gradients, norm = tf.clip_by_global_norm(gradients, 5.0)
    assert (float(norm) > 5.0) is clipped  # With and without the clip acting.
    for variable, gradient in zip(theirs.trainable_variables, gradients):
        variable.assign_sub(1.0 * tf.convert_to_tensor(gradient))

    # kerazoo's loss is the token mean, T times smaller than theirs.
    assert float(task.loss()(targets, logits)) == pytest.approx(float(summed) / window, rel=1e-5)
    ours = tiny()
    compile_model(ours, optimizer_for(ours, config), task.loss(), task.metrics())
    ours.train_on_batch(inputs, targets)
    for mine, reference in zip(ours.trainable_variables, theirs.trainable_variables):
        np.testing.assert_allclose(mine.numpy(), reference.numpy(), atol=2e-6)


@pytest.mark.parametrize("flags, stateful", [
    (["--preset", "ptb-small"], True),
    (["--preset", "ptb-medium"], True),
    (["--preset", "ptb-medium-tied"], True),
    (["--preset", "ptb-small", "--no-stateful"], False),
    ([], None),  # shakespeare-char trains on windows.
    (["--stateful"], True),
])
def test_the_ptb_presets_carry_the_state_unless_told_not_to(flags, stateful):
    argv = ["train", "lstm_lm", "--data", "ptb", *flags]
    args = build_parser(argv=argv).parse_args(argv)
    family = kerazoo.models.get_family("lstm_lm")
    apply_preset_task_options(args, family, args.preset or family.default_preset)
    assert args.stateful is stateful
