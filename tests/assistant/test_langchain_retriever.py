"""VraagbaakRetriever: LangChain Documents with citation metadata, in-process and over HTTP, composed in a chain."""
from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough

from assistant.langchain_retriever import CITATION_FIELDS, VraagbaakRetriever

QUESTION = "Hoeveel extra banen moet de sector Rijk in 10 jaar realiseren?"


def _check(docs: list[Document], engine) -> None:
    assert docs and all(set(d.metadata) >= set(CITATION_FIELDS) for d in docs)
    assert any("3.340" in d.page_content for d in docs)
    scores = [d.metadata["score"] for d in docs]
    assert scores == sorted(scores, reverse=True)
    for d in docs:  # the offsets locate the passage in the cleaned document text
        text = engine.document(d.metadata["document_id"])["text"]
        assert text[d.metadata["start"]:d.metadata["end"]] == d.page_content


def test_in_process_engine(engine):
    docs = VraagbaakRetriever(engine=engine, k=4).invoke(QUESTION)
    assert len(docs) == 4
    _check(docs, engine)


@pytest.mark.slow
def test_remote_api_gives_the_same_documents(engine, live_api):
    local = VraagbaakRetriever(engine=engine, k=4).invoke(QUESTION)
    remote = VraagbaakRetriever(api_url=live_api, k=4).invoke(QUESTION)
    _check(remote, engine)
    assert [d.id for d in remote] == [d.id for d in local]
    assert [d.metadata for d in remote] == [d.metadata for d in local]


def test_filters_narrow_the_documents(engine):
    docs = VraagbaakRetriever(engine=engine, k=5, sector="provincies").invoke("Wat is er gedaan?")
    assert docs and {d.metadata["sector"] for d in docs} == {"provincies"}


@pytest.mark.slow
def test_remote_errors_are_readable(live_api):
    with pytest.raises(RuntimeError, match="Onbekende sector"):
        VraagbaakRetriever(api_url=live_api, sector="bakkers").invoke("x")


def test_needs_exactly_one_source(engine):
    with pytest.raises(ValueError, match="engine"):
        VraagbaakRetriever()
    with pytest.raises(ValueError, match="engine"):
        VraagbaakRetriever(engine=engine, api_url="http://127.0.0.1:1")


def test_composes_into_a_users_chain(engine):
    """The README example: retriever -> numbered context -> prompt (any chat model can follow)."""
    retriever = VraagbaakRetriever(engine=engine, k=3)

    def numbered(docs: list[Document]) -> str:
        return "\n\n".join(f"[{i}] {d.metadata['title']} ({d.metadata['section']}, p. {d.metadata['page']}):\n"
                           f"{d.page_content}" for i, d in enumerate(docs, 1))

    prompt = ChatPromptTemplate.from_messages([("system", "Antwoord met [n]-bronnen.\n\n{context}"), ("human", "{question}")])
    chain = {"context": retriever | numbered, "question": RunnablePassthrough()} | prompt
    messages = chain.invoke(QUESTION).to_messages()
    assert messages[1].content == QUESTION
    assert "[1] " in messages[0].content and "[3] " in messages[0].content and "3.340" in messages[0].content
