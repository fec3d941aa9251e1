"""Ingestion: files -> cleaned, structured documents -> chunks. Knows nothing about the index."""
