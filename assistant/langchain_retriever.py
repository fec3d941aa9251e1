"""Vraagbaak as a LangChain retriever: ranked passages as ``Document``s that carry their citation metadata.

It searches the in-process engine (``VraagbaakRetriever(engine=Vraagbaak())``) or a running API
(``VraagbaakRetriever(api_url="http://127.0.0.1:8000", api_key=...)``), with the same hybrid retrieval
(dense + BM25, thesaurus, sector boosts) behind both.
"""
from __future__ import annotations

from typing import Any

import httpx
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, model_validator

CITATION_FIELDS = ("chunk_id", "document_id", "title", "source_file", "section", "sector", "page", "start", "end",
                   "score")


class VraagbaakRetriever(BaseRetriever):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    engine: Any = None
    """An ``assistant.engine.Vraagbaak``; or leave it out and give ``api_url``."""
    api_url: str | None = None
    api_key: str | None = None
    k: int = 5
    sector: str | None = None
    document_id: str | None = None
    timeout_s: float = 30.0

    @model_validator(mode="after")
    def _one_source(self) -> "VraagbaakRetriever":
        if (self.engine is None) == (self.api_url is None):
            raise ValueError("Geef óf een engine óf een api_url op.")
        return self

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return self._remote(query) if self.api_url else self._local(query)

    def _local(self, query: str) -> list[Document]:
        filters = {key: [v] for key, v in (("sector", self.sector), ("document_id", self.document_id)) if v}
        hits = self.engine.search(query, k=self.k, filters=filters or None)
        out = []
        for h in hits:
            m = h.metadata
            meta = {"chunk_id": h.chunk_id, "document_id": h.document_id, "title": m.get("title", ""),
                    "source_file": m.get("source_file", ""), "section": m.get("section", ""), "sector": h.sector,
                    "page": m.get("page"), "start": m.get("start"), "end": m.get("end"), "score": round(h.score, 5)}
            out.append(Document(page_content=h.text, metadata=meta, id=h.chunk_id))
        return out

    def _remote(self, query: str) -> list[Document]:
        params: dict[str, Any] = {"q": query, "k": self.k}
        params.update({key: v for key, v in (("sector", self.sector), ("document_id", self.document_id)) if v})
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        r = httpx.get(f"{self.api_url.rstrip('/')}/search", params=params, headers=headers, timeout=self.timeout_s)
        if r.status_code >= 400:
            try:
                detail = r.json().get("detail")
            except ValueError:
                detail = r.text[:200]
            raise RuntimeError(f"Vraagbaak-API gaf {r.status_code}: {detail}")
        return [Document(page_content=res["text"], metadata={f: res.get(f) for f in CITATION_FIELDS}, id=res["chunk_id"])
                for res in r.json()["results"]]
