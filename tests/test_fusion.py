"""Weighted z-score fusion."""

from agent.tools.fusion import fuse


def test_strong_lexical_match_beats_lukewarm_dense() -> None:
    bm25 = {1: 12.0, 2: 3.0, 3: 2.5, 4: 2.0}
    dense = {1: 0.40, 2: 0.45, 3: 0.41, 4: 0.39}
    ranked = fuse({"bm25": bm25, "dense": dense}, {"bm25": 1.0, "dense": 0.5})
    assert ranked[0][0] == 1


def test_dense_breaks_lexical_ties() -> None:
    bm25 = {1: 5.0, 2: 5.0, 3: 1.0}
    dense = {1: 0.2, 2: 0.8, 3: 0.1}
    ranked = fuse({"bm25": bm25, "dense": dense}, {"bm25": 1.0, "dense": 0.5})
    assert [row for row, _ in ranked][:2] == [2, 1]


def test_missing_scores_use_the_given_fill() -> None:
    ranked = fuse(
        {"bm25": {1: 3.0}, "dense": {1: 0.1, 2: 0.9}},
        {"bm25": 1, "dense": 0.1},
        missing={"bm25": 0.0},
    )
    assert ranked[0][0] == 1


def test_zero_weight_list_is_ignored_and_empty_input_is_empty() -> None:
    ranked = fuse({"bm25": {1: 1.0, 2: 2.0}, "dense": {1: 0.9, 2: 0.1}}, {"bm25": 1, "dense": 0})
    assert [row for row, _ in ranked] == [2, 1]
    assert fuse({"bm25": {}, "dense": {}}, {"bm25": 1.0}) == []
