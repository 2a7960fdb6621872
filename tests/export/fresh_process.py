"""Calling exported SavedModels in a fresh process that imports only TensorFlow (and
`tensorflow_text`, whose ops the WordPiece tokenizers need): what a serving machine has."""

import json
import subprocess
import sys

_SERVE = (
    "import json, sys\n"
    "import tensorflow as tf\n"
    "import tensorflow_text  # noqa: F401  (the WordPiece ops)\n"
    "def decode(x):\n"
    "    if isinstance(x, list):\n"
    "        return [decode(item) for item in x]\n"
    "    return x.decode() if isinstance(x, bytes) else x\n"
    "answers = []\n"
    "for path, signature, inputs in json.loads(sys.argv[1]):\n"
    "    model = tf.saved_model.load(path)\n"
    "    out = model.signatures[signature](**{k: tf.constant(v) for k, v in inputs.items()})\n"
    "    answers.append({k: decode(v.numpy().tolist()) for k, v in out.items()})\n"
    "assert not any(name.startswith(('kerazoo', 'keras_hub')) for name in sys.modules)\n"
    "print(json.dumps(answers))\n"
)


def serve_in_fresh_process(calls, cwd):
    """The outputs of SavedModel signatures called in one fresh TensorFlow-only process.

    Args:
        calls: list of `(saved_model folder, signature name, inputs)`, `inputs` a dict of input
            name -> list (strings for tf.string inputs).
        cwd: the process's working folder (outside the source tree, so kerazoo cannot be
            imported by accident).

    Returns:
        list (one per call) of dicts of output name -> nested lists, bytes decoded to str.
    """
    calls = [(str(path), signature, inputs) for path, signature, inputs in calls]
    result = subprocess.run([sys.executable, "-c", _SERVE, json.dumps(calls)],
                            capture_output=True, text=True, timeout=300, cwd=cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
