"""The answer contract shared by the engine, the CLI and the API."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class SourceRef(BaseModel):
    """Another place where the same passage stands (a duplicate extraction or a repeat in another document)."""

    document_id: str
    title: str
    source_file: str
    section: str = ""
    date: str | None = None
    page: int | None = None


class Citation(BaseModel):
    n: int
    document_id: str
    title: str
    source_file: str
    section: str
    sector: str | None = None
    page: int | None = None
    date: str | None = None
    quote: str = Field(description="exact passage, a substring of the cleaned document text")
    start: int = Field(description="offset of the quote in the cleaned document text")
    end: int
    score: float = 0.0
    chunk_id: str = ""
    alternates: list[SourceRef] = Field(default_factory=list)
    source: Literal["bundled", "upload"] = Field(default="bundled", description="bundled document or an upload")


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class Answer(BaseModel):
    question: str
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    abstained: bool = False
    mode: Literal["extractive", "llm"] = "extractive"
    intent: str = "vraag"
    resolved_question: str | None = None
    notice: str | None = None
    related: list[Citation] = Field(default_factory=list, description="nearest passages when the assistant abstains")
    timings: dict[str, float] = Field(default_factory=dict)
