"""Retrieval only, on the real index, embedded and through a real `chroma run` server: dense + BM25 fused by
reciprocal rank, filters inside both retrievers, repeats collapsed, extra terms and a boost passed in."""
from __future__ import annotations

import pytest

from index.config import FusionWeights
from index.retriever import HybridRetriever, RankFusion, SearchFilters, SearchHit, collapse_repeats

ANNEX_2016 = "001_0c61ab01f839f040"
UPDATE_2017 = "003_2af3d99aaebb0ece"


@pytest.fixture(scope="module", params=["embedded", "server"])
def retriever(request, settings, indexed):
    if request.param == "embedded":
        return HybridRetriever(settings)
    return HybridRetriever(request.getfixturevalue("server_settings"))


def test_dense_and_lexical_are_fused(retriever):
    hits = retriever.search("Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?", k=10)
    assert any("3.340" in h.text for h in hits[:3])
    both = [h for h in hits if h.dense_rank is not None and h.lexical_rank is not None]
    assert both, "the top chunks are found by both retrievers"
    k = retriever.weights.rrf_k
    for h in both:
        # without a boost the score is exactly the reciprocal-rank sum of both rankings
        assert h.score == pytest.approx(1 / (k + h.dense_rank) + 1 / (k + h.lexical_rank))
        assert h.dense_similarity is not None and -1.0 <= h.dense_similarity <= 1.0
        assert h.lexical_score and h.lexical_score > 0
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_one_retriever_alone(settings, indexed):
    dense_only = HybridRetriever(settings, FusionWeights(use_lexical=False))
    lexical_only = HybridRetriever(settings, FusionWeights(use_dense=False))
    d = dense_only.search("leercirkel primair onderwijs", k=5)
    lx = lexical_only.search("leercirkel primair onderwijs", k=5)
    assert d and all(h.lexical_rank is None and h.dense_rank is not None for h in d)
    assert lx and all(h.dense_rank is None and h.lexical_rank is not None for h in lx)
    assert any("leercirkel" in h.text.lower() for h in lx)


@pytest.mark.parametrize("filters,check", [
    (SearchFilters(sector=["defensie"]), lambda m: m["sector"] == "defensie"),
    (SearchFilters(document_id=["002_48882c52396658a7"]), lambda m: m["document_id"] == "002_48882c52396658a7"),
    (SearchFilters(kind=["plan van aanpak"]), lambda m: m["kind"] == "plan van aanpak"),
    (SearchFilters(year=[2016]), lambda m: m["year"] == 2016),
    (SearchFilters(sector=["defensie"], year=[2016]), lambda m: m["sector"] == "defensie" and m["year"] == 2016),
])
def test_filters_apply_inside_both_retrievers(retriever, filters, check):
    hits = retriever.search("knelpunten en resultaten van de banenafspraak", k=8, filters=filters)
    assert hits and all(check(h.metadata) for h in hits)
    assert all(filters.accepts(h.metadata) for h in hits)


def test_filters_to_chroma_where():
    assert SearchFilters().chroma_where() is None and SearchFilters().is_empty()
    assert SearchFilters(sector=["rijk"]).chroma_where() == {"sector": {"$in": ["rijk"]}}
    both = SearchFilters(sector=["rijk"], year=[2016]).chroma_where()
    assert both == {"$and": [{"sector": {"$in": ["rijk"]}}, {"year": {"$in": [2016]}}]}
    assert SearchFilters(kind=["memo"]).accepts({"kind": "memo"}) and not SearchFilters(kind=["memo"]).accepts({})


def test_no_hit_repeats_another(retriever):
    hits = retriever.search("Doel was minimaal garantiebanen gerealiseerd provincies", k=10)
    texts = [h.text.strip() for h in hits]
    assert len(texts) == len(set(texts))
    groups = [h.metadata.get("repeat_group") for h in hits if h.metadata.get("repeat_group")]
    assert len(groups) == len(set(groups))


def test_repeated_passage_shows_both_sources(retriever):
    hits = retriever.search("Met de sector Rijk is afgesproken dat zij het aandeel van de sector Rechterlijke macht "
                            "meenemen in hun taakstelling", k=5)
    top = hits[0]
    sources = {top.document_id} | {a.document_id for a in top.alternates}
    assert sources == {ANNEX_2016, UPDATE_2017}


def test_without_dedup_the_repeat_takes_two_places(settings, indexed):
    q = "Met de sector Rijk is afgesproken dat zij het aandeel van de sector Rechterlijke macht meenemen"
    plain = HybridRetriever(settings, FusionWeights(use_dedup=False)).search(q, k=5)
    docs = [h.document_id for h in plain if "Rechterlijke macht" in h.text]
    assert {ANNEX_2016, UPDATE_2017} <= set(docs)
    assert all(not h.alternates for h in plain)


def _hit(cid, text, doc, group=""):
    return SearchHit(chunk_id=cid, text=text, metadata={"document_id": doc, "repeat_group": group, "title": doc},
                     score=1.0)


def test_collapse_repeats_by_text_and_by_group():
    hits = [_hit("a", "Zin een.", "d1"), _hit("b", "Zin een. ", "d2"), _hit("c", "Andere zin.", "d1", "g1"),
            _hit("d", "Andere zin, licht anders.", "d2", "g1"), _hit("e", "Zin een.", "d1"), _hit("f", "Los.", "d3")]
    kept = collapse_repeats(hits)
    assert [h.chunk_id for h in kept] == ["a", "c", "f"]  # order of the first occurrence kept
    assert [s.chunk_id for s in kept[0].alternates] == ["b"]  # the same document again is no alternate source
    assert [s.document_id for s in kept[1].alternates] == ["d2"]


def test_rank_fusion_weights_and_ties():
    fusion = RankFusion(k=60)
    fused = fusion.run([(["a", "b"], 1.0), (["b", "c"], 0.5)])
    assert fused["b"] == pytest.approx(1 / 62 + 0.5 / 61)
    assert fused["a"] == pytest.approx(1 / 61) and fused["c"] == pytest.approx(0.5 / 62)
    assert fusion.top_vote == pytest.approx(1 / 61)


def test_extra_terms_bring_in_their_passages(retriever):
    plain = retriever.search("ervaringen delen", k=10)
    extra = retriever.search("ervaringen delen", k=10, extra_terms=["leercirkel"])
    assert not any("leercirkel" in h.text.lower() for h in plain[:3])
    assert any("leercirkel" in h.text.lower() for h in extra[:3])
    # extra terms weigh less than the question's own words
    own = retriever.search("leercirkel", k=10)
    top_own = {h.chunk_id: h.lexical_score for h in own}
    for h in extra:
        if h.chunk_id in top_own and h.lexical_score:
            assert h.lexical_score <= top_own[h.chunk_id] + 1e-6


def test_a_boost_reorders_by_metadata(retriever):
    q = "Welke activiteiten zijn er ondernomen voor de banenafspraak?"
    plain = retriever.search(q, k=5)
    calls = []

    def boost(meta, text):
        calls.append((meta.get("document_id"), bool(text)))
        return 2.0 if meta.get("sector") == "waterschappen" else 0.0

    boosted = retriever.search(q, k=5, boost=boost)
    assert calls and all(has_text for _doc, has_text in calls)  # the boost sees metadata and chunk text
    assert boosted[0].sector == "waterschappen"
    assert sum(h.sector == "waterschappen" for h in boosted) > sum(h.sector == "waterschappen" for h in plain)
    top = retriever.fusion.top_vote
    assert boosted[0].score >= 2.0 * top  # the bonus is counted in units of a top vote
    # a boost only reorders the fused candidates: it adds no chunk the retrievers did not find
    assert all(h.dense_rank is not None or h.lexical_rank is not None for h in boosted)


def test_the_retriever_does_no_query_analysis(settings, indexed):
    """A sector named in the question gets no boost from the retriever: that is the assistant's business."""
    r = HybridRetriever(settings)
    assert not hasattr(r, "analyse")
    hits = r.search("Wat heeft de sector Gemeenten gedaan?", k=5)
    for h in hits:
        assert h.score == pytest.approx((1 / (r.weights.rrf_k + h.dense_rank) if h.dense_rank else 0.0)
                                        + (1 / (r.weights.rrf_k + h.lexical_rank) if h.lexical_rank else 0.0))


def test_sector_rows_come_from_every_document_in_date_order(retriever):
    rows = retriever.sector_rows("gemeenten")
    assert rows and all(h.sector == "gemeenten" for h in rows)
    docs = list(dict.fromkeys(h.document_id for h in rows))
    assert docs[:2] == [ANNEX_2016, UPDATE_2017]
    keys = [(h.metadata.get("date") or "", h.document_id, h.metadata.get("start", 0)) for h in rows]
    assert keys == sorted(keys)


def test_unit_vectors_are_stored_per_chunk(retriever):
    hits = retriever.search("leercirkel", k=3)
    vectors = retriever.unit_vectors([h.chunk_id for h in hits])
    for h in hits:
        spans = vectors[h.chunk_id]
        assert spans, h.chunk_id
        base = h.metadata["start"]
        for start, end, vec in spans:
            assert base <= start < end <= base + len(h.text)
            assert len(vec) == len(retriever.embed_query("x"))


def test_lexical_and_dense_agree_on_storage_mode(settings, server_settings):
    for q, kw in [("leercirkel primair onderwijs", {}),
                  ("knelpunten", {"filters": SearchFilters(sector=["defensie"])}),
                  ("ervaringen delen", {"extra_terms": ["leercirkel"]})]:
        a = [(h.chunk_id, round(h.score, 9)) for h in HybridRetriever(settings).search(q, k=5, **kw)]
        b = [(h.chunk_id, round(h.score, 9)) for h in HybridRetriever(server_settings).search(q, k=5, **kw)]
        assert a == b, q


class _LengthReranker:
    """A deterministic stand-in cross-encoder: prefers the shortest passage."""

    def scores(self, query, passages):
        return [-len(p) for p in passages]


def test_a_configured_reranker_reorders_the_candidates(settings, indexed):
    plain = HybridRetriever(settings)
    reranked = HybridRetriever(settings)
    reranked.reranker = _LengthReranker()
    a = plain.search("leercirkel", k=5)
    b = reranked.search("leercirkel", k=5)
    assert [len(h.text) for h in b] == sorted(len(h.text) for h in b)
    assert [h.chunk_id for h in b] != [h.chunk_id for h in a]


def test_chunk_matrix_ranks_by_cosine_with_ties_in_id_order():
    from index.retriever import ChunkMatrix
    import numpy as np

    m = ChunkMatrix.of(["c", "a", "b"], [[2.0, 0.0], [1.0, 0.0], [0.0, 3.0]])
    assert m.ids == ["a", "b", "c"]
    assert np.allclose(np.linalg.norm(m.vectors, axis=1), 1.0)
    # "a" and "c" point the same way: equal similarity, so id order decides, in every process
    assert [c for c, _ in m.top([5.0, 0.0], 3)] == ["a", "c", "b"]
    assert m.top([5.0, 0.0], 3)[0][1] == pytest.approx(1.0)
    assert [c for c, _ in m.top([1.0, 0.0], 3, mask=np.array([False, True, True]))] == ["c", "b"]
    assert ChunkMatrix.of([], []).top([1.0, 0.0], 3) == []


@pytest.mark.parametrize("limit", [20000, 0], ids=["exact", "hnsw"])
def test_dense_search_exact_below_the_limit_and_hnsw_above(settings, indexed, limit):
    retriever = HybridRetriever(settings, FusionWeights(use_lexical=False, exact_dense_limit=limit))
    assert (retriever.chunk_matrix() is not None) == bool(limit)
    query = "Welke afspraken maakten werkgevers over het aantal extra banen?"
    hits = retriever.search(query, k=10)
    sims = [h.dense_similarity for h in hits]
    assert sims == sorted(sims, reverse=True) and len(hits) == 10
    if limit:  # exact: Chroma's approximate query is never asked, the matrix and its filter mask answer
        def refuse(*args, **kwargs):
            raise AssertionError("HNSW queried below the exact limit")

        retriever.store.query = refuse
        hits = retriever.search(query, k=10)
        assert [h.dense_similarity for h in hits] == sims
    ids, vectors = retriever.store.chunk_vectors()
    q = retriever.embed_query(query)
    import numpy as np

    best = max(float(np.dot(v, q) / np.linalg.norm(v) / np.linalg.norm(q)) for v in vectors)
    if limit:  # exact: the true nearest chunk comes first, whatever the HNSW graph looks like
        assert sims[0] == pytest.approx(best, abs=1e-5)
    filtered = retriever.search(query, k=5, filters=SearchFilters(sector=["defensie"]))
    assert filtered and all(h.metadata["sector"] == "defensie" for h in filtered)


def test_unit_matrix_scores_a_chunk_by_its_best_unit():
    from index.retriever import UnitMatrix

    units = {"long": [(0, 5, [0.0, 1.0]), (6, 9, [1.0, 0.0])],  # one sentence says exactly what is asked
             "even": [(0, 5, [0.7, 0.7])], "empty": []}
    m = UnitMatrix(units)
    assert m.chunk_ids == ["even", "long"]
    got = m.top([1.0, 0.0], 5)
    assert [c for c, _ in got] == ["long", "even"] and got[0][1] == pytest.approx(1.0)
    assert [c for c, _ in m.top([1.0, 0.0], 5, accept=lambda c: c != "long")] == ["even"]
    assert UnitMatrix({}).top([1.0, 0.0], 5) == []


def test_the_unit_ranking_joins_the_fusion_and_a_boost_keeps_its_strength(settings, indexed):
    query = "Welke afspraken maakten werkgevers over het aantal extra banen?"
    two = HybridRetriever(settings, FusionWeights(unit_dense=0.0)).search(query, k=10)
    three = HybridRetriever(settings, FusionWeights(unit_dense=0.5)).search(query, k=10)
    assert [h.chunk_id for h in two] != [h.chunk_id for h in three]
    assert max(h.score for h in three) > max(h.score for h in two)  # a third ranking adds votes
    # boost the sector of a chunk that is in the unboosted top 10, so there is something to compare
    target = three[0].metadata.get("sector") or ""
    boosted = HybridRetriever(settings, FusionWeights(unit_dense=0.5)).search(
        query, k=10, boost=lambda meta, text: 1.0 if (meta.get("sector") or "") == target else 0.0)
    weights = FusionWeights(unit_dense=0.5)
    compared = 0
    for h in boosted:
        if (h.metadata.get("sector") or "") == target:
            base = next((x.score for x in three if x.chunk_id == h.chunk_id), None)
            if base is not None:  # one top vote of dense and lexical together, scaled to the three rankings
                compared += 1
                assert h.score - base == pytest.approx(
                    (weights.dense + weights.lexical + weights.unit_dense) / (weights.dense + weights.lexical)
                    / (weights.rrf_k + 1))
    assert compared


def test_the_unit_ranking_is_left_out_above_the_exact_limit(settings, indexed):
    """Like exact dense search, the unit ranking scans every vector: a collection over the limit ranks by two."""
    query = "Welke afspraken maakten werkgevers over het aantal extra banen?"
    over = HybridRetriever(settings, FusionWeights(unit_dense=0.5, exact_dense_limit=0))
    assert over.unit_matrix() is None
    two = HybridRetriever(settings, FusionWeights(unit_dense=0.0, exact_dense_limit=0)).search(query, k=10)
    assert [h.chunk_id for h in over.search(query, k=10)] == [h.chunk_id for h in two]
    below = HybridRetriever(settings, FusionWeights(unit_dense=0.5))
    units = below.unit_matrix()
    assert units is not None
    # the filter reaches the unit ranking itself: unfiltered, its top holds other sectors' chunks
    vector = below.embed_query(query)
    unfiltered = units.top(vector, 200)
    assert any((below._meta[c].get("sector") or "") != "defensie" for c, _ in unfiltered[:20])
    meta = below._meta
    only = units.top(vector, 200, lambda c: (meta[c].get("sector") or "") == "defensie")
    assert only and all(meta[c].get("sector") == "defensie" for c, _ in only)
    filtered = below.search(query, k=200, filters=SearchFilters(sector=["defensie"]))
    assert filtered and all(h.metadata.get("sector") == "defensie" for h in filtered)
