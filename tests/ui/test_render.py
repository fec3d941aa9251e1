"""The chat page's own rendering rules and Dutch error sentences, on their own."""
from __future__ import annotations

from ui.client import dutch_error
from ui.render import clean_answer, export_markdown, filter_summary, link_citations, nl_date, source_label


def test_caption_bullet_becomes_a_label_and_repeats_go():
    out = clean_answer("- Tabel 3 Sector Rijk\n- Het Rijk heeft 3.340 banen. [1]\n- Tabel 3 Sector Rijk")
    assert out.splitlines() == ["**Tabel 3 Sector Rijk**", "- Het Rijk heeft 3.340 banen. [1]"]


def test_glued_label_gets_its_own_line():
    out = clean_answer("- Netwerk opgericht (2015). [4] Gevolgen: meer banen. [5]")
    assert out.splitlines() == ["- Netwerk opgericht (2015). [4]", "", "**Gevolgen:**", "", "- meer banen. [5]"]


def test_ellipsis_endings_cut_back_to_a_whole_sentence_markers_kept():
    assert clean_answer("Er is draagvlak gerealiseerd. Er is inzicht in kosten, baten en … [6]") == \
        "Er is draagvlak gerealiseerd. [6]"
    assert clean_answer("… volgens eigen berekening zijn 109 fte gerealiseerd...") == \
        "volgens eigen berekening zijn 109 fte gerealiseerd."


def test_whole_sentences_and_list_answers_untouched():
    md = "De sector Rijk moet 3.340 extra banen realiseren. [1]\n\n- Eerste punt met een zin. [2]\n- Tweede punt. [3]"
    assert clean_answer(md) == md


def test_citation_links_only_for_known_sources():
    out = link_citations("Zie [1] en [7].", "h3", {1})
    assert 'data-bron="bron-h3-1"' in out and "[7]" in out and "bron-h3-7" not in out


def test_source_label_names_title_date_section_never_file():
    c = {"n": 2, "document_id": "d1", "title": "Lange titel", "source_file": "003_2af3d99aaebb0ece.txt",
         "section": "Tabel 3 › Sector Provincies › Gevolgen", "date": "2017-04-01", "page": 7}
    assert source_label(c) == "[2] Lange titel · 1 april 2017 · Tabel 3 › Sector Provincies › Gevolgen · p. 7"
    assert source_label(c, {"d1": "Update 2017"}).startswith("[2] Update 2017 · 1 april 2017")
    assert nl_date("2016-10-13") == "13 oktober 2016" and nl_date(None) == ""


def test_export_has_question_answer_numbered_sources_and_quotes():
    turns = [{"role": "user", "content": "Hoeveel banen?"},
             {"role": "assistant", "content": "Het Rijk moet 3.340 banen realiseren. [1]",
              "citations": [{"n": 1, "document_id": "d", "title": "Bijlage I", "source_file": "x.txt",
                             "section": "Tabel 2A", "date": "2016-03-01",
                             "quote": "Voor de sector Rijk betekent dit\nin 10 jaar 3.340 extra banen."}]}]
    md = export_markdown(turns)
    assert "## Hoeveel banen?" in md and "**Bronnen**" in md
    assert "1. Bijlage I · 1 maart 2016 · Tabel 2A" in md
    assert "   > Voor de sector Rijk betekent dit in 10 jaar 3.340 extra banen." in md and "x.txt" not in md


def test_dutch_errors_never_pydantic_english():
    detail = [{"loc": ["body", "question"], "msg": "String should have at most 2000 characters", "type": "x"}]
    assert dutch_error(422, detail) == "De vraag moet tussen 1 en 2000 tekens lang zijn."
    assert dutch_error(401, "x") == "De API-sleutel ontbreekt of klopt niet."
    assert dutch_error(500, "Traceback ...") == "Er ging iets mis bij de server; probeer het opnieuw."
    assert dutch_error(422, "Onbekende sector 'x'") == "Onbekende sector 'x'."


def test_filter_summary():
    assert filter_summary({"sector": ["gemeenten"]}, {"gemeenten": "Gemeenten"}) == "sector: Gemeenten"
    assert filter_summary(None, {}) == ""


def test_bold_title_not_repeated_in_its_line():
    md = "- **Probleem 1: Bureaucratie bij uitbesteding** (de update van 2017): Probleem 1: Bureaucratie bij uitbesteding: de Wet regelt dit. [1]"
    assert clean_answer(md) == "- **Probleem 1: Bureaucratie bij uitbesteding** (de update van 2017): de Wet regelt dit. [1]"
