"""Reciprocal rank fusion."""

from __future__ import annotations

import pytest

from index.fuse import reciprocal_rank_fusion


def test_items_ranked_well_by_both_lists_win() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"]], k=60)
    assert [i for i, _ in fused] == ["b", "a", "c"]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)


def test_item_in_one_list_only_still_counts() -> None:
    fused = dict(reciprocal_rank_fusion([["a"], ["b", "a"]]))
    assert fused["b"] == pytest.approx(1 / 61)
    assert fused["a"] > fused["b"]


def test_weights_and_ties_are_deterministic() -> None:
    assert [i for i, _ in reciprocal_rank_fusion([["x"], ["y"]])] == ["x", "y"]
    assert [i for i, _ in reciprocal_rank_fusion([["x"], ["y"]], weights=[0.5, 1.0])] == ["y", "x"]
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["x"]], weights=[1.0, 2.0])
