from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fpdf import FPDF

from ingest.errors import IngestError
from ingest.loaders import discover, load_bytes, load_file


def make_pdf(path: Path, pages: list[str], password: str | None = None) -> Path:
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    if password:
        from fpdf.enums import EncryptionMethod

        pdf.set_encryption(owner_password=password + "-eigenaar", user_password=password,
                           encryption_method=EncryptionMethod.AES_128)
    pdf.output(str(path))
    return path


def test_utf8_text(tmp_path):
    p = tmp_path / "notitie.txt"
    p.write_text("Garantiebanen bij de waterschappen: één leernetwerk.", encoding="utf-8")
    loaded = load_file(p)
    assert loaded.format == "txt"
    assert "één leernetwerk" in loaded.pages[0].text
    assert loaded.pages[0].number is None


def test_cp1252_fallback_warns(tmp_path, caplog):
    p = tmp_path / "oud.txt"
    p.write_bytes("Financiële middelen voor de doelgroep".encode("cp1252"))
    with caplog.at_level(logging.WARNING):
        loaded = load_file(p)
    assert "Financiële" in loaded.pages[0].text
    assert any("cp1252" in r.message for r in caplog.records)


def test_markdown_and_html(tmp_path):
    (tmp_path / "a.md").write_text("# Kop\n\nTekst over de **banenafspraak**.", encoding="utf-8")
    (tmp_path / "b.html").write_text("<html><body><h1>Titel</h1><ul><li>punt één</li></ul></body></html>", encoding="utf-8")
    assert load_file(tmp_path / "a.md").format == "md"
    assert load_file(tmp_path / "b.html").format == "html"


def test_pdf_keeps_page_numbers(tmp_path):
    p = make_pdf(tmp_path / "rapport.pdf", ["Eerste pagina over de provincies.", "Tweede pagina over de gemeenten."])
    loaded = load_file(p)
    assert [pg.number for pg in loaded.pages] == [1, 2]
    assert "provincies" in loaded.pages[0].text and "gemeenten" in loaded.pages[1].text


@pytest.mark.parametrize("name,data,message", [
    ("leeg.txt", b"", "leeg"),
    ("spaties.txt", b"   \n  ", "leeg"),
    ("binair.txt", bytes(range(256)) * 4, "binair"),
    ("kapot.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref", "beschadigd"),
    ("geen.pdf", b"dit is helemaal geen pdf", "geen geldig PDF"),
    ("plaatje.png", b"\x89PNG\r\n\x1a\n....", "niet ondersteund"),
])
def test_bad_files_raise_clear_errors(name, data, message):
    with pytest.raises(IngestError) as exc:
        load_bytes(data, name)
    assert message in str(exc.value)
    assert name in str(exc.value)


def test_encrypted_pdf_is_refused(tmp_path):
    p = make_pdf(tmp_path / "geheim.pdf", ["Vertrouwelijk."], password="geheim")
    with pytest.raises(IngestError, match="versleuteld"):
        load_file(p)


def test_discover_walks_folders_and_skips_readme(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "sub" / "b.md").write_text("y")
    (tmp_path / "README.md").write_text("z")
    (tmp_path / "c.docx").write_text("w")
    found = sorted(p.name for p in discover([tmp_path]))
    assert found == ["a.txt", "b.md"]
