from __future__ import annotations

import pytest

from ingest.cleaner import html_fragment_to_lines, join_wrapped, page_to_lines, should_join


def test_html_tags_and_layout_attributes_removed_bullets_kept():
    frag = ('<p data-bbox="551 312 712 335">ingeschakeld.</p> <ul data-bbox="1 2 3 4" style="list-style-type: none">'
            '<li data-bbox="5 6 7 8">• Het kennisniveau is vergroot.</li></ul>')
    lines = html_fragment_to_lines(frag)
    assert lines == ["ingeschakeld.", "• Het kennisniveau is vergroot."]
    assert not any("bbox" in l or "<" in l for l in lines)


def test_inline_bullets_split_and_sub_bullets_normalised():
    lines = html_fragment_to_lines("<ul>• Eerste punt.• Tweede punt ○ onderpunt</ul>")
    assert lines == ["• Eerste punt.", "• Tweede punt", "◦ onderpunt"]


def test_footnote_markers_become_superscripts():
    assert html_fragment_to_lines("behoren<sup>1</sup>. Verder")[0] == "behoren¹. Verder"


@pytest.mark.parametrize("prev,nxt,joined,should", [
    ("het zogenaamde 1%-", "quotum voor mensen", "het zogenaamde 1%-quotum voor mensen", True),
    ("gerealiseerd voor de", "doelgroep banenafspraak", "gerealiseerd voor de doelgroep banenafspraak", True),
    ("Dit is een zin.", "Dit is de volgende.", "Dit is een zin. Dit is de volgende.", False),
    ("zie de tabel,", "en verder", "zie de tabel, en verder", True),
])
def test_hard_wrapped_lines_join(prev, nxt, joined, should):
    assert join_wrapped(prev, nxt) == joined
    assert should_join(prev, nxt) is should


def test_markdown_structure_and_o_bullets():
    lines = page_to_lines("## **Voortgangsmemo**\n\n- **Nieuwsbrief;**\n\no Er zijn bijeenkomsten\n- gewoon punt", None)
    kinds = [(l.kind, l.text) for l in lines]
    assert kinds == [("heading", "Voortgangsmemo"), ("heading", "Nieuwsbrief"), ("subbullet", "Er zijn bijeenkomsten"),
                     ("bullet", "gewoon punt")]


def test_tab_separated_rows_keep_the_first_cell_apart():
    lines = page_to_lines("<p>Sector Rijk / minister</p>\t<ul>• Eerste activiteit.</ul>", None)
    assert lines[0].kind == "cell" and lines[0].text == "Sector Rijk / minister"
    assert lines[1].kind == "bullet" and lines[1].text == "Eerste activiteit."


def test_html_document_drops_scripts_and_navigation():
    page = ("<html><head><title>x</title><script>alert(1)</script></head><body><nav>menu</nav>"
            "<h2>Knelpunten</h2><p>De meeteltermijn is twee jaar.</p><ul><li>punt</li></ul></body></html>")
    lines = page_to_lines(page, None, is_html_file=True)
    texts = [l.text for l in lines]
    assert "menu" not in " ".join(texts) and "alert" not in " ".join(texts)
    assert lines[0].kind == "heading" and lines[0].text == "Knelpunten"
    assert ("bullet", "punt") in [(l.kind, l.text) for l in lines]


def test_scripts_styles_comments_and_escaped_markup_never_become_text():
    from ingest.catalogue import infer_entry
    from ingest.cleaner import page_to_lines

    page = ("<html><head><title>Raw <script>x</script></title><style>p{}</style></head><body><!-- verborgen -->"
            "<h1>Voortgang &lt;img src=x&gt;banen</h1><script>steel()</script><p>De gemeenten plaatsten 21 mensen.</p>"
            "</body></html>")
    lines = [line.text for line in page_to_lines(page, None, is_html_file=True)]
    assert lines == ["Voortgang banen", "De gemeenten plaatsten 21 mensen."]
    md = [line.text for line in page_to_lines("# Notitie\n<script>\nsteel()\n</script>\nTekst <!-- weg --> hier.", None)]
    assert md == ["Notitie", "Tekst hier."]
    assert infer_entry("nota.html", "\n".join(lines)).title == "Voortgang banen"
