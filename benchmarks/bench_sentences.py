"""Sentence splitting: our splitter (ingest/sentences.py) against pysbd's Dutch segmenter with character spans.
Prints sentence counts, time and whether pysbd's spans are exact slices of the text. pysbd is not a project
dependency; install it to run this.

    .venv/bin/python -m benchmarks.bench_sentences
"""
from __future__ import annotations

import time

from assistant.settings import get_settings
from ingest.sentences import sentence_spans


def main() -> None:
    import pysbd

    seg = pysbd.Segmenter(language="nl", clean=False, char_span=True)
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(get_settings().corpus_dir.glob("*.txt"))]
    chars = sum(len(t) for t in texts)
    t = time.perf_counter()
    ours = sum(len(sentence_spans(text)) for text in texts)
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    spans = [(text, seg.segment(text)) for text in texts]
    t_sbd = time.perf_counter() - t
    inexact = sum(text[s.start:s.end] != s.sent for text, ss in spans for s in ss)
    print(f"corpus: {len(texts)} files, {chars:,} characters")
    print(f"ours:  {ours} sentences in {t_ours:.2f} s")
    print(f"pysbd: {sum(len(ss) for _, ss in spans)} sentences in {t_sbd:.2f} s ({t_sbd / t_ours:.0f}x), "
          f"{inexact} spans that are not exact slices of the text")


if __name__ == "__main__":
    main()
