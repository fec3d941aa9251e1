"""The BM25 index on disk: bm25s's own save/load, memory-mapped, swapped in atomically."""
from __future__ import annotations

import json

import numpy as np

from index.lexical import LexicalIndex

TEXTS = ["de provincies hebben banen gerealiseerd", "het rijk heeft 3.340 extra banen", "knelpunten bij gemeenten"]


def test_round_trip_is_memory_mapped_and_scores_the_same(tmp_path):
    lex = LexicalIndex.build(["a", "b", "c"], TEXTS, generation=7)
    lex.save(tmp_path)
    lex.save(tmp_path)  # a second save replaces the first folder
    loaded = LexicalIndex.load(tmp_path)
    assert loaded.generation == 7 and loaded.ids == ["a", "b", "c"] and loaded.df == lex.df
    assert isinstance(loaded.bm25.scores["data"], np.memmap)
    tokens = lex.query_tokens("banen bij de provincies")
    assert loaded.top(tokens, 3) == lex.top(tokens, 3) and lex.top(tokens, 3)[0][0] == "a"
    assert not list(tmp_path.glob("*.pkl")) and len(list(tmp_path.glob("gen-*"))) == 1


def test_an_empty_index_round_trips(tmp_path):
    LexicalIndex.build([], [], generation=1).save(tmp_path)
    loaded = LexicalIndex.load(tmp_path)
    assert loaded.ids == [] and loaded.bm25 is None and loaded.top(["banen"], 3) == []


def test_a_missing_or_torn_index_is_none_so_it_is_rebuilt(tmp_path):
    assert LexicalIndex.load(tmp_path) is None
    LexicalIndex.build(["a"], TEXTS[:1], generation=2).save(tmp_path)
    (tmp_path / "current.json").write_text(json.dumps({"generation": 2, "dir": "gen-weg"}))
    assert LexicalIndex.load(tmp_path) is None
