"""The gold question set (evals/data/gold.jsonl): loading and validation against the corpus."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DEV_PATH = Path(__file__).parent / "data" / "gold.jsonl"
TEST_PATH = Path(__file__).parent / "data" / "test.jsonl"
GOLD_PATH = DEV_PATH  # the gold set is the dev set: tune on it freely
CATEGORIES = ("sector", "alias", "cijfers", "knelpunten", "plan", "memo", "vergelijking", "vervolg", "engels",
              "onbeantwoordbaar", "waarom", "informeel", "parafrase")
SETS = {"dev": DEV_PATH, "test": TEST_PATH}


@dataclass
class Supporting:
    document_id: str
    quote: str


@dataclass
class GoldQuestion:
    id: str
    category: str
    lang: str
    question: str
    history: list[dict]
    answerable: bool
    sector: str | None
    reference_answer: str
    key_facts: list[list[str]]
    supporting: list[Supporting] = field(default_factory=list)


def norm(text: str) -> str:
    """Whitespace- and quote-insensitive form used to match quotes and facts."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("´", "'")
    return re.sub(r"\s+", " ", text).strip().lower()


def load_set(name: str) -> list[GoldQuestion]:
    """``dev`` (the gold set) or ``test`` (the blind set, written from the corpus alone)."""
    return load_gold(SETS[name])


def load_gold(path: Path = GOLD_PATH) -> list[GoldQuestion]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        raw["supporting"] = [Supporting(**s) for s in raw.get("supporting", [])]
        out.append(GoldQuestion(**raw))
    return out


@lru_cache(maxsize=2)
def corpus_texts(corpus_dir: str) -> dict[str, str]:
    """Cleaned text of every bundled document, as the index shows it, keyed by document id."""
    from ingest.catalogue import load_catalogue
    from ingest.documents import DocumentBuilder
    from ingest.loaders import discover, load_file
    from ingest.sectors import SectorVocabulary

    root = Path(corpus_dir)
    vocab = SectorVocabulary.from_file(root.parent / "sectors.json")
    builder = DocumentBuilder(vocab, load_catalogue(root / "catalogue.json"))
    return {d.document_id: d.text for d in (builder.build(load_file(p)) for p in discover([root]))}


def fact_present(alternatives: list[str], text: str) -> bool:
    """A key fact counts only as whole words: "14" is not found inside "2014", nor "1.000" inside "1.000.000"."""
    t = norm(text)
    return any(re.search(rf"(?<![\w.,]){re.escape(norm(a))}(?![\w]|[.,]\d)", t) for a in alternatives)


def validate(gold: list[GoldQuestion], texts: dict[str, str]) -> list[str]:
    """Problems with the gold set; an empty list means it is valid."""
    problems: list[str] = []
    normed = {k: norm(v) for k, v in texts.items()}
    seen: set[str] = set()
    for q in gold:
        if q.id in seen:
            problems.append(f"{q.id}: dubbel id")
        seen.add(q.id)
        if q.category not in CATEGORIES:
            problems.append(f"{q.id}: onbekende categorie {q.category}")
        if q.answerable and (not q.key_facts or not q.supporting):
            problems.append(f"{q.id}: beantwoordbare vraag zonder kernfeiten of bronpassages")
        for s in q.supporting:
            if s.document_id not in normed:
                problems.append(f"{q.id}: onbekend document {s.document_id}")
            elif norm(s.quote) not in normed[s.document_id]:
                problems.append(f"{q.id}: citaat niet gevonden in {s.document_id}: {s.quote[:60]!r}")
        for alternatives in q.key_facts:
            if not fact_present(alternatives, q.reference_answer):
                problems.append(f"{q.id}: kernfeit {alternatives} staat niet in het referentieantwoord")
    return problems
