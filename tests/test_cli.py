"""The `vraagbaak` command as a user runs it, in a subprocess, on the session index."""
from __future__ import annotations

import os
import subprocess
import sys

from assistant.settings import PROJECT_ROOT


def run(settings, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, VRAAGBAAK_VAR_DIR=str(settings.var_dir), VRAAGBAAK_CORPUS_DIR=str(settings.corpus_dir),
               VRAAGBAAK_EMBEDDING_CACHE_DIR=str(settings.embedding_cache_dir))
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, cwd=PROJECT_ROOT, text=True,
                          capture_output=True, input=stdin, timeout=300)


def test_documents_lists_four_documents_one_with_an_alternate(settings, indexed):
    out = run(settings, "documents").stdout
    assert out.startswith("4 documenten")
    assert out.count("alternatieve bron(nen): 000_21589e1c860af785.txt") == 1
    assert "plan van aanpak" in out and "memo" in out


def test_ingest_again_says_nothing_changed(settings, indexed):
    r = run(settings, "ingest")
    assert r.returncode == 0 and "Niets te doen" in r.stdout


def test_ask_prints_answer_and_sources(settings, indexed):
    r = run(settings, "ask", "Wat is het knelpunt rond de meeteltermijn?")
    assert r.returncode == 0
    assert "Bronnen:" in r.stdout and "[1]" in r.stdout and "Meeteltermijn" in r.stdout


def test_search_with_sector_filter(settings, indexed):
    r = run(settings, "search", "leercirkel", "--sector", "IPO", "-k", "2")
    assert r.returncode == 0 and r.stdout.count("sector provincies") == 2


def test_wrong_sector_is_a_clear_error(settings, indexed):
    r = run(settings, "ask", "Wat is er gedaan?", "--sector", "bakkers")
    assert r.returncode == 2 and "Onbekende sector 'bakkers'" in r.stderr


def test_chat_keeps_history(settings, indexed):
    r = run(settings, "chat", stdin="Wat heeft de sector Gemeenten gedaan?\nEn bij de provincies?\nstop\n")
    assert r.returncode == 0 and "VNG" in r.stdout and "IPO" in r.stdout


def test_ingest_reports_bad_files_and_goes_on(settings, tmp_path):
    (tmp_path / "goed.md").write_text("# Goed\n\nDe gemeenten deden mee aan leercirkels.", encoding="utf-8")
    (tmp_path / "kapot.pdf").write_bytes(b"%PDF-1.4 stuk")
    env_settings = settings.model_copy(update={"var_dir": tmp_path / "var"})
    r = run(env_settings, "ingest", str(tmp_path))
    assert r.returncode == 0
    assert "overgeslagen: kapot.pdf" in r.stderr and "1 nieuw" in r.stdout
