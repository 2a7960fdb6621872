import json

import pytest
import tensorflow as tf

from kerazoo.training import strategy as make_strategy
from kerazoo.training.strategy import auto_kind, cluster_spec, per_replica_batch_size

CLUSTER = {"cluster": {"worker": ["localhost:1", "localhost:2"]},
           "task": {"type": "worker", "index": 1}}


def test_default_and_mirrored_on_this_machine(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert auto_kind() == ("mirrored" if len(tf.config.list_physical_devices("GPU")) > 1
                           else "default")
    assert make_strategy("default") is tf.distribute.get_strategy()
    mirrored = make_strategy("mirrored", devices=["/cpu:0"])
    assert isinstance(mirrored, tf.distribute.MirroredStrategy)
    assert mirrored.num_replicas_in_sync == 1
    with mirrored.scope(), pytest.raises(ValueError, match="outside any strategy scope"):
        make_strategy("default")


def test_auto_picks_multi_worker_when_tf_config_names_a_cluster(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", json.dumps(CLUSTER))
    assert auto_kind() == "multi_worker"
    assert cluster_spec() == CLUSTER["cluster"]


@pytest.mark.parametrize(
    "tf_config, words",
    [
        (None, "TF_CONFIG environment variable"),
        ("{not json", "must be JSON"),
        (json.dumps({"task": CLUSTER["task"]}), '"cluster"'),
        (json.dumps({"cluster": {"worker": []}, "task": CLUSTER["task"]}), '"cluster"'),
        (json.dumps({**CLUSTER, "task": {"type": "worker", "index": 2}}), '"task"'),
        (json.dumps({**CLUSTER, "task": {"type": "chief", "index": 0}}), '"task"'),
    ],
)
def test_a_bad_tf_config_is_named_before_any_worker_starts(monkeypatch, tf_config, words):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    with pytest.raises(ValueError, match=words):
        make_strategy("multi_worker")


def test_no_tpu_is_a_clear_error(monkeypatch):
    def no_tpu(tpu=None):
        raise ValueError("Please provide a TPU Name to connect to.")

    monkeypatch.setattr(tf.distribute.cluster_resolver, "TPUClusterResolver", no_tpu)
    with pytest.raises(ValueError, match="found no TPU 'local' \\(Please provide a TPU"):
        make_strategy("tpu")


@pytest.mark.parametrize(
    "arguments, error, words",
    [
        ({"kind": "horovod"}, ValueError, "`kind` must be one of"),
        ({"kind": 2}, TypeError, "`kind` must be a str"),
        ({"kind": "default", "devices": ["/cpu:0"]}, ValueError, "only applies to kind 'mirrored'"),
        ({"kind": "mirrored", "devices": "/gpu:0"}, TypeError, "`devices` must be a list"),
        ({"kind": "mirrored", "devices": [0, 1]}, TypeError, "`devices` must be a list"),
    ],
)
def test_bad_arguments_are_named(arguments, error, words):
    with pytest.raises(error, match=words):
        make_strategy(**arguments)


class TwoReplicas:
    """Stands in for a strategy over two devices, which this machine may lack."""

    num_replicas_in_sync = 2


def test_the_global_batch_splits_evenly_over_the_replicas():
    one = tf.distribute.get_strategy()
    assert per_replica_batch_size(12, one) == 12
    two = TwoReplicas()
    assert per_replica_batch_size(12, two) == 6
    with pytest.raises(ValueError, match="`global_batch_size`=7 must split evenly over the 2"):
        per_replica_batch_size(7, two)
    with pytest.raises(ValueError, match="global_batch_size"):
        per_replica_batch_size(0, one)
