"""Retrieval behaviour on the real index, embedded and through a real `chroma run` server."""
from __future__ import annotations

import pytest

from index.retriever import HybridRetriever, SearchFilters


@pytest.fixture(scope="module", params=["embedded", "server"])
def retriever(request, settings, indexed):
    if request.param == "embedded":
        return HybridRetriever(settings)
    return HybridRetriever(request.getfixturevalue("server_settings"))


@pytest.mark.parametrize("question,sector", [
    ("wij als IPO, wat hebben we gedaan?", "provincies"),
    ("wat doen de umc's?", "umc"),
    ("activiteiten van de hogescholen", "hbo"),
    ("Wat heeft de PO-Raad gedaan?", "primair_onderwijs"),
    ("What did the water boards do?", "waterschappen"),
])
def test_alias_questions_return_that_sectors_rows_first(retriever, question, sector):
    hits = retriever.search(question, k=5)
    assert hits[0].sector == sector and hits[1].sector == sector


def test_what_has_a_sector_done_returns_rows_from_every_document_in_date_order(retriever):
    hits = retriever.search("Wat heeft de sector Gemeenten gedaan?", k=5)
    lead = [h for h in hits if h.sector == "gemeenten"]
    docs = [h.document_id for h in lead[:2]]
    assert docs == ["001_0c61ab01f839f040", "003_2af3d99aaebb0ece"]


def test_figures_are_found(retriever):
    hits = retriever.search("Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?", k=5)
    assert any("3.340" in h.text for h in hits[:2])


def test_english_question_reaches_dutch_passages(retriever):
    hits = retriever.search("What are the bottlenecks around outsourcing?", k=5)
    assert any("Bureaucratie bij uitbesteding" in h.text for h in hits)


@pytest.mark.parametrize("filters,check", [
    (SearchFilters(sector=["defensie"]), lambda m: m["sector"] == "defensie"),
    (SearchFilters(document_id=["002_48882c52396658a7"]), lambda m: m["document_id"] == "002_48882c52396658a7"),
    (SearchFilters(kind=["plan van aanpak"]), lambda m: m["kind"] == "plan van aanpak"),
    (SearchFilters(year=[2016]), lambda m: m["year"] == 2016),
])
def test_filters_apply_inside_both_retrievers(retriever, filters, check):
    hits = retriever.search("knelpunten en resultaten van de banenafspraak", k=8, filters=filters)
    assert hits and all(check(h.metadata) for h in hits)


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
    assert sources == {"001_0c61ab01f839f040", "003_2af3d99aaebb0ece"}


def test_lexical_and_dense_agree_on_storage_mode(settings, server_settings):
    a = [h.chunk_id for h in HybridRetriever(settings).search("leercirkel primair onderwijs", k=5)]
    b = [h.chunk_id for h in HybridRetriever(server_settings).search("leercirkel primair onderwijs", k=5)]
    assert a == b


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
    assert {h.chunk_id for h in b} != {h.chunk_id for h in a} or [h.chunk_id for h in b] != [h.chunk_id for h in a]
