"""The export variants of `kerazoo export --task NAME`: what each task offers, and the error."""

import pytest

from kerazoo.tasks import get_task


def test_a_task_without_variants_refuses_any_name_before_writing(tmp_path):
    task = get_task("causal_lm")
    assert task.export_variants(None) == {}
    with pytest.raises(ValueError, match=r"'causal_lm' task cannot export --task 'qa'; its "
                                         r"exports: none \(plain `kerazoo export` only\)"):
        task.export_variant("qa", None, None, tmp_path / "out", None)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("task, offered", [
    ("text_classification", {"classify", "embed"}),
    ("span_qa", {"qa", "embed"}),
    ("text_embedding", {"embed"}),
    ("masked_lm", {"embed"}),
])
def test_every_bert_task_offers_embed_beside_its_own_export(task, offered):
    variants = get_task(task).export_variants(None)
    assert set(variants) == offered
    assert all(callable(build) for build in variants.values())
