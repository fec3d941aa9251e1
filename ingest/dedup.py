"""Near-duplicate detection from the text itself (MinHash over word shingles), never from file names.

Two uses: the same document in two extractions (index it once, keep the cleaner text, record the
other file as an alternate source), and passages repeated between different documents (kept, but
linked in a ``repeat_group`` so retrieval can show them as one item with two sources).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

from .chunker import normalise_for_search
from .models import Chunk

NUM_PERM = 128
DOCUMENT_THRESHOLD = 0.6
PASSAGE_THRESHOLD = 0.7
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"\w+", re.UNICODE)


def _tokens(text: str) -> list[str]:
    return _WORD.findall(normalise_for_search(_TAG.sub(" ", text)).lower())


def shingles(text: str, n: int = 5) -> set[str]:
    toks = _tokens(text)
    if len(toks) < n:
        return {" ".join(toks)} if toks else set()
    return {" ".join(toks[i:i + n]) for i in range(len(toks) - n + 1)}


def minhash(text: str, n: int = 5) -> MinHash:
    m = MinHash(num_perm=NUM_PERM)
    for sh in shingles(text, n):
        m.update(sh.encode("utf-8"))
    return m


def signature(text: str) -> list[int]:
    return [int(v) for v in minhash(text).hashvalues]


def similarity(sig_a: list[int], sig_b: list[int]) -> float:
    if not sig_a or len(sig_a) != len(sig_b):
        return 0.0
    return sum(1 for a, b in zip(sig_a, sig_b) if a == b) / len(sig_a)


def messiness(raw_text: str) -> float:
    """Extraction debris per 1,000 characters: markup, layout attributes and known OCR slips. Lower is cleaner."""
    tags = len(_TAG.findall(raw_text))
    ocr = len(re.findall(r"banenafpraak|garantiebannen|arbeidsbepikt", raw_text, re.I))
    return 1000.0 * (tags + 5 * ocr) / max(len(raw_text), 1)


@dataclass(frozen=True)
class DuplicateDecision:
    primary: str
    alternate: str
    similarity: float


def find_duplicate_documents(items: dict[str, tuple[list[int], float]]) -> list[DuplicateDecision]:
    """``items``: key -> (signature, messiness). Pairs above the threshold collapse onto the cleaner one."""
    keys = sorted(items)
    decisions: list[DuplicateDecision] = []
    absorbed: set[str] = set()
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            if a in absorbed or b in absorbed:
                continue
            sim = similarity(items[a][0], items[b][0])
            if sim >= DOCUMENT_THRESHOLD:
                primary, alternate = (a, b) if items[a][1] <= items[b][1] else (b, a)
                decisions.append(DuplicateDecision(primary, alternate, sim))
                absorbed.add(alternate)
    return decisions


def link_repeated_passages(chunks: list[Chunk], threshold: float = PASSAGE_THRESHOLD) -> int:
    """Give chunks from different documents that say (nearly) the same thing one ``repeat_group``. Returns links made."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    hashes: dict[str, MinHash] = {}
    by_id = {c.chunk_id: c for c in chunks}
    for c in chunks:
        m = minhash(c.text, n=3)
        hashes[c.chunk_id] = m
        lsh.insert(c.chunk_id, m)
    parent: dict[str, str] = {cid: cid for cid in by_id}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    links = 0
    for c in chunks:
        for other in lsh.query(hashes[c.chunk_id]):
            o = by_id[other]
            if o.document_id == c.document_id or other == c.chunk_id:
                continue
            if hashes[c.chunk_id].jaccard(hashes[other]) < threshold:
                continue
            ra, rb = find(c.chunk_id), find(other)
            if ra != rb:
                parent[rb] = ra
                links += 1
    groups: dict[str, list[str]] = {}
    for cid in by_id:
        groups.setdefault(find(cid), []).append(cid)
    for members in groups.values():
        if len(members) > 1:
            gid = "g" + hashlib.sha1("|".join(sorted(members)).encode()).hexdigest()[:12]
            for cid in members:
                by_id[cid].repeat_group = gid
    return links
