"""The `vraagbaak` command: ingest, documents, search, ask, chat, eval, serve, ui, run."""
from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from .settings import PROJECT_ROOT, get_settings


def _engine():
    from .engine import Vraagbaak

    return Vraagbaak(get_settings())


def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from index.indexer import Indexer

    settings = get_settings()
    # no paths: the bundled corpus plus the uploads, exactly as the API indexed them (see Indexer.default_paths)
    paths = [Path(p) for p in args.paths] or Indexer(settings).default_paths()
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"Bestaat niet: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    bar = tqdm(total=0, unit="doc", desc="Indexeren", disable=not sys.stderr.isatty() and not args.progress)

    def progress(name: str, n: int, total: int) -> None:
        bar.total = total
        bar.set_postfix_str(name)
        bar.update(1)

    report = Indexer(settings).ingest(paths, prune=args.prune, reindex=args.reindex, progress=progress)
    bar.close()
    for name, why in report.failed:
        print(f"overgeslagen: {why}", file=sys.stderr)
    for alt, primary in report.alternates:
        print(f"dubbele extractie: {alt} is een alternatieve bron van {primary}")
    for name in report.pruned:
        print(f"verwijderd: {name}")
    print(report.summary())
    return 0


def cmd_trust(args: argparse.Namespace) -> int:
    from index.indexer import DocumentNotFound, Indexer, NotAnUpload

    try:
        rec = Indexer(get_settings()).set_trusted(args.document_id, not args.revoke)
    except DocumentNotFound:
        print(f"fout: document '{args.document_id}' bestaat niet", file=sys.stderr)
        return 2
    except NotAnUpload:
        print(f"fout: '{args.document_id}' is een meegeleverd document; alleen uploads worden vertrouwd", file=sys.stderr)
        return 2
    state = "vertrouwd: wordt gebruikt in antwoorden" if rec.trusted else "niet vertrouwd: blijft buiten antwoorden"
    print(f"{rec.document_id} ({rec.source_file}) {state}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from index.indexer import DocumentNotFound, Indexer, NotAnUpload

    try:
        rec = Indexer(get_settings()).delete_document(args.document_id)
    except DocumentNotFound:
        print(f"fout: document '{args.document_id}' bestaat niet", file=sys.stderr)
        return 2
    except NotAnUpload:
        print(f"fout: '{args.document_id}' is een meegeleverd document en kan niet worden verwijderd", file=sys.stderr)
        return 2
    print(f"verwijderd: {rec.document_id} ({rec.source_file})")
    return 0


def cmd_documents(args: argparse.Namespace) -> int:
    from index.store import ChromaStore

    docs = [r for r in ChromaStore(get_settings()).documents() if r.status != "alternate"]
    if args.json:
        print(json.dumps([vars(d) | {"signature": None} for d in docs], ensure_ascii=False, indent=2))
        return 0
    if not docs:
        print("Geen documenten. Voer eerst `vraagbaak ingest` uit.")
        return 1
    print(f"{len(docs)} documenten\n")
    for d in docs:
        print(f"{d.document_id}  [{d.kind}, {d.date or 'datum onbekend'}]  {d.chunk_count} chunks  status: {d.status}")
        print(f"    {d.title}")
        if d.period:
            print(f"    periode: {d.period}")
        print(f"    sectoren: {', '.join(d.sectors) if d.sectors else '-'}")
        if d.alternates:
            print(f"    alternatieve bron(nen): {', '.join(d.alternates)}")
        print()
    return 0


def _filters(args: argparse.Namespace) -> dict | None:
    f = {}
    if getattr(args, "sector", None):
        f["sector"] = [args.sector]
    if getattr(args, "document", None):
        f["document_id"] = [args.document]
    return f or None


def cmd_search(args: argparse.Namespace) -> int:
    hits = _engine().search(args.query, k=args.k, filters=_filters(args))
    for i, h in enumerate(hits, 1):
        m = h.metadata
        print(f"{i}. [{h.score:.4f}] {m.get('title')} — {m.get('section')}"
              f"{' | sector ' + h.sector if h.sector else ''}{' | p. ' + str(m.get('page')) if m.get('page') else ''}")
        print(f"   bron: {m.get('source_file')}" + (f" (+ {', '.join(a.source_file for a in h.alternates)})" if h.alternates else ""))
        print("   " + h.text[:400].replace("\n", "\n   ") + ("…" if len(h.text) > 400 else ""))
        print()
    return 0


def print_answer(answer, as_json: bool = False) -> None:
    if as_json:
        print(answer.model_dump_json(indent=2))
        return
    print(answer.answer)
    if answer.notice:
        print(f"\n({answer.notice})")
    if answer.citations:
        print("\nBronnen:")
        for c in answer.citations:
            where = f"{c.title} — {c.section}" + (f", p. {c.page}" if c.page else "") + (f" ({c.date})" if c.date else "")
            print(f"[{c.n}] {where}\n    \"{c.quote[:300]}{'…' if len(c.quote) > 300 else ''}\"")
            for a in c.alternates:
                print(f"    ook in: {a.title} ({a.source_file})")


def cmd_ask(args: argparse.Namespace) -> int:
    answer = _engine().ask(args.question, filters=_filters(args))
    print_answer(answer, args.json)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    engine = _engine()
    history: list[dict] = []
    print("Vraagbaak Banenafspraak — stel een vraag (leeg of 'stop' om te stoppen).")
    while True:
        try:
            q = input("\nvraag> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            break
        if not q or q.lower() in ("stop", "exit", "quit"):
            break
        answer = engine.ask(q, history=history, filters=_filters(args))
        print()
        print_answer(answer)
        history += [{"role": "user", "content": q}, {"role": "assistant", "content": answer.answer}]
        history = history[-20:]
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    from assistant.engine import Vraagbaak
    from assistant.settings import get_settings
    from evals.fit import fit

    settings = get_settings()
    report = fit(Vraagbaak(settings), settings)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"Gewichten geschreven naar {settings.weights_path}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from evals.cli import run_eval

    return run_eval(args)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run("assistant.api:app_factory", factory=True, host=args.host, port=args.port, workers=1,
                log_level="info")
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    return subprocess.call([sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "ui" / "app.py"),
                            "--server.port", str(args.port), "--server.address", args.host,
                            "--server.headless", "true", "--browser.gatherUsageStats", "false",
                            "--client.toolbarMode", "viewer", "--client.showErrorDetails", "none"], env=env)


def cmd_run(args: argparse.Namespace) -> int:
    """Ingest the bundled corpus if the index is empty, then start API and UI together."""
    from index.store import ChromaStore

    settings = get_settings()
    if ChromaStore(settings).count() == 0:
        print("Index is leeg: de meegeleverde documenten worden geïndexeerd …")
        cmd_ingest(argparse.Namespace(paths=[], prune=False, reindex=False, progress=True))
    env = dict(os.environ, VRAAGBAAK_API_URL=f"http://{args.host}:{args.api_port}")
    api = subprocess.Popen([sys.executable, "-m", "uvicorn", "assistant.api:app_factory", "--factory",
                            "--host", args.host, "--port", str(args.api_port)], env=env)
    ui = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "ui" / "app.py"),
                           "--server.port", str(args.ui_port), "--server.address", args.host,
                           "--server.headless", "true", "--browser.gatherUsageStats", "false",
                           "--client.toolbarMode", "viewer", "--client.showErrorDetails", "none"], env=env)
    print(f"\nAPI:  http://{args.host}:{args.api_port}  (documentatie: /docs)")
    print(f"Chat: http://{args.host}:{args.ui_port}\nStop met Ctrl+C.")
    try:
        while api.poll() is None and ui.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for p in (api, ui):
            p.terminate()
        for p in (api, ui):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vraagbaak", description="Vraagbaak Banenafspraak")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("ingest", help="documenten indexeren (standaard: de meegeleverde corpus)")
    s.add_argument("paths", nargs="*")
    s.add_argument("--prune", action="store_true", help="documenten verwijderen waarvan het bestand weg is")
    s.add_argument("--reindex", action="store_true", help="alles opnieuw indexeren (bijv. ander embeddingmodel)")
    s.add_argument("--progress", action="store_true", help="voortgangsbalk ook zonder terminal")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("trust", help="een geüpload document vrijgeven voor antwoorden (of met --revoke terugnemen)")
    s.add_argument("document_id")
    s.add_argument("--revoke", action="store_true")
    s.set_defaults(func=cmd_trust)

    s = sub.add_parser("delete", help="een geüpload document verwijderen (bestand, chunks, BM25)")
    s.add_argument("document_id")
    s.set_defaults(func=cmd_delete)

    s = sub.add_parser("documents", help="geïndexeerde documenten tonen")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_documents)

    for name, func, helptext in (("search", cmd_search, "passages zoeken"), ("ask", cmd_ask, "een vraag stellen")):
        s = sub.add_parser(name, help=helptext)
        s.add_argument("query" if name == "search" else "question")
        s.add_argument("--sector")
        s.add_argument("--document")
        if name == "search":
            s.add_argument("-k", type=int, default=5)
        else:
            s.add_argument("--json", action="store_true")
        s.set_defaults(func=func)

    s = sub.add_parser("chat", help="gesprek in de terminal")
    s.add_argument("--sector")
    s.add_argument("--document")
    s.set_defaults(func=cmd_chat)

    s = sub.add_parser("eval", help="evaluatie: dev (gouden vragen) en test (blinde vragen) naast elkaar")
    s.add_argument("--api", help="een draaiende API evalueren (URL)")
    s.add_argument("--set", choices=["dev", "test", "both"], default="both", help="welke vragenset (standaard beide)")
    s.add_argument("--compare", action="store_true", help="naïeve baseline ernaast")
    s.add_argument("--ablate", action="store_true", help="één onderdeel per keer uitzetten")
    s.add_argument("--judge", action="store_true", help="LLM-beoordeling (vereist een geconfigureerd LLM)")
    s.add_argument("--gate", action="store_true", help="exit 1 als een metriek onder de drempel zakt")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("fit", help="de beslisgewichten (data/weights.json) opnieuw fitten op de dev-set")
    s.set_defaults(func=cmd_fit)

    s = sub.add_parser("serve", help="de API starten")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("ui", help="de chatpagina starten")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8501)
    s.set_defaults(func=cmd_ui)

    s = sub.add_parser("run", help="indexeren indien nodig, dan API en chatpagina starten")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--api-port", type=int, default=8000)
    s.add_argument("--ui-port", type=int, default=8501)
    s.set_defaults(func=cmd_run)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    from index.store import EmbeddingModelMismatch

    from .engine import IndexNotReady, InvalidFilter

    try:
        return int(args.func(args) or 0)
    except (IndexNotReady, InvalidFilter, EmbeddingModelMismatch, ValueError) as exc:
        print(f"fout: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
