"""Request limits, enforced before a request body is read: size (413), rate per client (429), and for uploads the
key check first (401/403), so an anonymous client can never make the server read, buffer or spool a large body.

Pure ASGI middleware: it sees the headers before any route runs and counts the body while it streams in.
"""
from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from fastapi import HTTPException

from .settings import Settings

Send = Callable
Receive = Callable


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Token bucket per client: ``per_minute`` refill, ``burst`` capacity. Bounded memory (oldest clients forgotten)."""

    def __init__(self, per_minute: int, burst: int, max_clients: int = 10_000):
        self.rate = per_minute / 60.0
        self.burst = max(1, burst)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, client: str) -> float:
        """0 when allowed; otherwise the seconds until the next request is allowed."""
        if not self.enabled:
            return 0.0
        now = time.monotonic()
        with self._lock:
            b = self._buckets.pop(client, None) or _Bucket(float(self.burst), now)
            b.tokens = min(self.burst, b.tokens + (now - b.stamp) * self.rate)
            b.stamp = now
            self._buckets[client] = b
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            if b.tokens >= 1:
                b.tokens -= 1
                return 0.0
            return (1 - b.tokens) / self.rate


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int, what: str):
        super().__init__(413, f"{what} is te groot: de grens is {_size(limit)}.")


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def upload_key_label(settings: Settings, headers: dict[str, str]) -> str:
    """The label of the key that may upload, or an HTTPException (403 when uploads are off, 401 for a wrong key)."""
    import secrets

    keys = dict(settings.upload_keys)
    if settings.api_key:
        keys.setdefault(settings.api_key_label, settings.api_key)
    if not keys:
        raise HTTPException(403, "Uploaden staat uit: stel VRAAGBAAK_API_KEY in om documenten toe te voegen.")
    auth = headers.get("authorization") or ""
    token = headers.get("x-api-key") or (auth[7:] if auth.lower().startswith("bearer ") else None)
    if token:
        for label, key in keys.items():
            if key and secrets.compare_digest(token.encode(), key.encode()):
                return label
    raise HTTPException(401, "Ongeldige of ontbrekende API-sleutel (header X-API-Key).")


def client_id(scope: dict, headers: dict[str, str]) -> str:
    """A client is its API key when it sends one (hashed), otherwise its address."""
    token = headers.get("x-api-key") or headers.get("authorization")
    if token:
        return "key:" + hashlib.sha256(token.encode()).hexdigest()[:16]
    client = scope.get("client") or ("?", 0)
    return f"ip:{client[0]}"


class RequestLimits:
    def __init__(self, app, settings: Settings):
        self.app = app
        self.settings = settings
        self.json_limit = settings.max_body_kb * 1024
        # the multipart envelope (boundaries, part headers) on top of the file itself
        self.upload_limit = settings.max_upload_mb * 1024 * 1024 + 64 * 1024
        self.ask = RateLimiter(settings.ask_rate_per_min, settings.ask_burst)
        self.feedback = RateLimiter(settings.feedback_rate_per_min, settings.feedback_burst)

    async def __call__(self, scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        path = scope.get("path", "")
        upload = path.rstrip("/") == "/documents" and scope["method"] == "POST"
        try:
            limiter = self.ask if path in ("/ask", "/ask/stream") else self.feedback if path == "/feedback" else None
            if limiter is not None:
                wait = limiter.take(client_id(scope, headers))
                if wait:
                    await _send_json(send, 429, "Te veel verzoeken achter elkaar; probeer het over "
                                     f"{math.ceil(wait)} seconden opnieuw.", {"retry-after": str(math.ceil(wait))})
                    return
            if upload:
                upload_key_label(self.settings, headers)  # 401/403 before a byte of the body is read
            limit = self.upload_limit if upload else self.json_limit
            what = "Het bestand" if upload else "Het verzoek"
            length = headers.get("content-length")
            if length is not None:
                if not length.isdigit():
                    await _send_json(send, 400, "Ongeldige Content-Length.")
                    return
                if int(length) > limit:
                    await _send_json(send, 413, BodyTooLarge(limit, what).detail, {"connection": "close"})
                    return
        except HTTPException as exc:
            await _send_json(send, exc.status_code, exc.detail)
            return

        seen = 0

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit, what)  # handled by the app's HTTPException handler: a 413
            return message

        await self.app(scope, counted, send)


async def _send_json(send: Send, status: int, detail: str, extra: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
