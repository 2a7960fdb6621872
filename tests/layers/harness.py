"""The checks every kerazoo layer passes.

`check_layer` builds a layer, calls it symbolically and eagerly, trains it
one step, runs it under both mixed-precision policies, round-trips its
config through JSON and the whole layer through a `.keras` file.
"""

import json

import keras
import numpy as np

MIXED_POLICIES = ("mixed_float16", "mixed_bfloat16")


def _symbolic_inputs(inputs):
    return {
        name: keras.Input(shape=value.shape[1:], dtype=str(value.dtype), name=name)
        for name, value in inputs.items()
    }


def _wrap(layer, inputs, call_kwargs):
    """A functional model around `layer`, fed by named inputs."""
    symbolic = _symbolic_inputs(inputs)
    first, *others = symbolic
    outputs = layer(symbolic[first], **{k: symbolic[k] for k in others}, **call_kwargs)
    return keras.Model(symbolic, outputs)


def check_layer(make_layer, inputs, expected_shape, call_kwargs=None, atol=1e-5, tmp_path=None):
    """Run the shared checks.

    Args:
        make_layer: callable `(**extra) -> layer`, so the harness can pass
            `dtype=` for mixed precision.
        inputs: dict name -> numpy array; the first entry is the positional
            input, the others go by keyword (e.g. `padding_mask`).
        expected_shape: the output shape for `inputs`.
        call_kwargs: constant keyword arguments of the call.
        atol: tolerance of the save/load and config round trips.
        tmp_path: folder for the `.keras` file.
    """
    call_kwargs = call_kwargs or {}
    first, *others = inputs
    extra = {k: inputs[k] for k in others}

    # Eager call and symbolic call agree.
    layer = make_layer()
    eager = keras.ops.convert_to_numpy(layer(inputs[first], **extra, **call_kwargs))
    assert eager.shape == tuple(expected_shape)
    assert np.all(np.isfinite(eager))
    model = _wrap(layer, inputs, call_kwargs)
    assert tuple(model.output.shape[1:]) == tuple(expected_shape[1:])
    symbolic = keras.ops.convert_to_numpy(model(inputs))
    np.testing.assert_allclose(symbolic, eager, atol=atol)

    # Config round trip through JSON rebuilds the same layer.
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(layer)))
    clone = keras.saving.deserialize_keras_object(config)
    assert type(clone) is type(layer)
    assert clone.get_config() == layer.get_config()
    clone_model = _wrap(clone, inputs, call_kwargs)
    clone_model.set_weights(model.get_weights())
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(clone_model(inputs)), eager, atol=atol
    )

    # `.keras` save and load gives the same outputs.
    if tmp_path is not None:
        path = str(tmp_path / "layer.keras")
        model.save(path)
        reloaded = keras.saving.load_model(path)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(reloaded(inputs)), eager, atol=atol
        )

    # One training step changes every trainable weight.
    trainable_before = [keras.ops.convert_to_numpy(w).copy() for w in model.trainable_weights]
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    target = np.random.default_rng(0).normal(size=eager.shape).astype("float32")
    if trainable_before:
        model.fit(inputs, target, batch_size=len(target), epochs=1, verbose=0)
    for before, weight in zip(trainable_before, model.trainable_weights):
        assert not np.allclose(before, keras.ops.convert_to_numpy(weight)), weight.path

    # Mixed precision: half-precision outputs, finite and close to float32.
    for policy in MIXED_POLICIES:
        mixed = make_layer(dtype=policy)
        mixed_model = _wrap(mixed, inputs, call_kwargs)
        mixed_model.set_weights(model.get_weights())
        reference = keras.ops.convert_to_numpy(model(inputs))
        output = mixed_model(inputs)
        assert keras.backend.standardize_dtype(output.dtype) == policy.split("_")[1]
        output = keras.ops.convert_to_numpy(keras.ops.cast(output, "float32"))
        assert np.all(np.isfinite(output))
        np.testing.assert_allclose(output, reference, atol=0.1, rtol=0.1)
