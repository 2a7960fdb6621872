"""Distributed training proven on a CPU: two logical devices, and a two-worker cluster.

Each run is a process of its own (`strategy_harness.py`), because devices and
clusters are fixed when TensorFlow starts.
"""

import json
import math
import os
import pathlib
import socket
import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.heavy

HARNESS = pathlib.Path(__file__).with_name("strategy_harness.py")
TIMEOUT_SECONDS = 300


def harness(arguments, out, env=None):
    """Starts the harness with `arguments`; returns the process."""
    return subprocess.Popen(
        [sys.executable, str(HARNESS), *arguments, "--out", str(out)],
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def results(processes):
    """The JSON each (process, out) wrote, once all have ended.

    Fails with the output of every process that failed, so a worker that
    brought the cluster down shows its own error, not only its peer's.
    """
    outputs = [process.communicate(timeout=TIMEOUT_SECONDS)[0] for process, _ in processes]
    failed = [f"process {index} exited with {process.returncode}:\n{output[-3000:]}"
              for index, ((process, _), output) in enumerate(zip(processes, outputs))
              if process.returncode != 0]
    assert not failed, "\n\n".join(failed)
    return [json.loads(out.read_text()) for _, out in processes]


def result(process, out):
    return results([(process, out)])[0]


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory):
    out = tmp_path_factory.mktemp("mirrored") / "result.json"
    return result(harness(["mirrored", "--family", "gpt"], out), out)


def test_two_replicas_train_step_by_step_like_one_device(mirrored):
    assert mirrored["replicas"] == 2
    single, replicated = mirrored["single"], mirrored["mirrored"]
    assert len(single) == len(replicated) == 6
    np.testing.assert_allclose(replicated, single, rtol=0, atol=1e-5)
    assert single[-1] < single[0] - 0.2
    # Gradient clipping acts in this run (the global norm exceeds the clip on
    # some step), so equal weights show the replicas sum before clipping.
    assert max(mirrored["single_gradient_norms"]) > mirrored["global_clipnorm"]
    assert min(mirrored["single_gradient_norms"]) > 0
    assert mirrored["max_weight_difference"] < 1e-4


def test_mixed_float16_across_replicas_tracks_float32(mirrored):
    half = mirrored["mirrored_float16"]
    assert all(math.isfinite(loss) for loss in half)
    np.testing.assert_allclose(half, mirrored["single"], atol=0.02)
    # An overflow on one replica makes every replica skip the step.
    assert mirrored["overflow_seen_by"] == [True, True]


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_two_workers_see_the_same_losses_and_only_the_chief_writes(tmp_path, mirrored):
    workers = [f"localhost:{port}" for port in free_ports(2)]
    run_dir = tmp_path / "run"
    processes = []
    for index in range(2):
        temporary = tmp_path / f"tmp-{index}"
        temporary.mkdir()
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        env = {"TF_CONFIG": json.dumps(tf_config), "TMPDIR": str(temporary)}
        out = tmp_path / f"worker-{index}.json"
        command = ["multi_worker", "--family", "gpt", "--run-dir", str(run_dir)]
        processes.append((harness(command, out, env), out))
    try:
        chief, other = results(processes)
    finally:
        for process, _ in processes:
            process.kill()

    assert chief["multi_worker"] and chief["replicas"] == 2
    assert (chief["chief"], other["chief"]) == (True, False)
    assert chief["losses"] == other["losses"]
    # The workers split each global batch: together they train like one device.
    np.testing.assert_allclose(chief["losses"], mirrored["single"], rtol=0, atol=1e-5)
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == [
        "epoch-001.keras", "epoch-002.keras"
    ]
    assert not (run_dir / "backup").exists()
    # The other worker wrote to a temporary folder, and removed it.
    assert list((tmp_path / "tmp-1").iterdir()) == []
