"""Calling an exported SavedModel in a fresh process that imports only TensorFlow (and
`tensorflow_text`, whose ops the WordPiece tokenizers need): what a serving machine has."""

import json
import subprocess
import sys

_SERVE = (
    "import json, sys\n"
    "import tensorflow as tf\n"
    "import tensorflow_text  # noqa: F401  (the WordPiece ops)\n"
    "model = tf.saved_model.load(sys.argv[1])\n"
    "inputs = {k: tf.constant(v) for k, v in json.loads(sys.argv[3]).items()}\n"
    "out = model.signatures[sys.argv[2]](**inputs)\n"
    "assert not any(name.startswith(('kerazoo', 'keras_hub')) for name in sys.modules)\n"
    "decode = lambda x: x.decode() if isinstance(x, bytes) else x\n"
    "print(json.dumps({k: [decode(x) for x in v.numpy().tolist()] for k, v in out.items()}))\n"
)


def serve_in_fresh_process(saved_model, inputs, signature="serving_default", cwd=None):
    """The outputs of `signature` of the SavedModel at `saved_model` called on `inputs`.

    Args:
        saved_model: its folder.
        inputs: dict of input name -> list (JSON-serializable; strings for tf.string inputs).
        signature: the signature to call.
        cwd: the process's working folder (not the source tree, so kerazoo cannot be imported
            by accident).

    Returns:
        dict of output name -> nested lists (bytes decoded to str).
    """
    result = subprocess.run(
        [sys.executable, "-c", _SERVE, str(saved_model), signature, json.dumps(inputs)],
        capture_output=True, text=True, timeout=300, cwd=cwd or saved_model,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
