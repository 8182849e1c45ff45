"""A webhook receiver for the tests: a real HTTP server (uvicorn on a free port, in a thread)
that keeps every POST it receives and answers with the status the test asks for, so the
product's worker posts over the network exactly as it would to an organisation's CRM."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.requests import Request

from tests.serving import free_port, wait_until


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int
    answer: int = 204  # the status every POST gets, until a test changes it
    received: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/onboarding"

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return
        body = await Request(scope, receive).body()
        headers = {key.decode().lower(): value.decode() for key, value in scope["headers"]}
        status = self.answer
        if scope["method"] == "POST":
            self.received.append(Received(scope["path"], headers, body))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver(free_port())
    config = uvicorn.Config(
        receiver, host="127.0.0.1", port=receiver.port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, "the webhook receiver to start")
    try:
        yield receiver
    finally:
        server.should_exit = True
        thread.join(timeout=10)
