"""Index: chunks into Chroma (dense) and BM25 (lexical), and hybrid retrieval over both."""
