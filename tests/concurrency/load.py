"""Sending requests at the same moment and timing what comes back: each request on a thread
of its own released by one barrier, and a watcher fetching a page over and over meanwhile."""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx2


@dataclass(frozen=True)
class Answer:
    """One exchange: `status` is None when no answer came (timeout, connection reset)."""

    what: str
    status: int | None
    seconds: float
    detail: str = ""  # the content type, or why no answer came
    text: str = ""  # the page, when the answer is text

    @property
    def server_error(self) -> bool:
        return self.status is None or self.status >= 500


def timed(what: str, send: Callable[[], httpx2.Response]) -> Answer:
    started = time.monotonic()
    try:
        response = send()
    except httpx2.HTTPError as error:
        return Answer(what, None, time.monotonic() - started, f"{type(error).__name__}: {error}")
    seconds = time.monotonic() - started
    kind = response.headers.get("content-type", "")
    text = response.text if kind.startswith("text/") else ""
    return Answer(what, response.status_code, seconds, kind, text)


def at_once(requests: Sequence[tuple[str, Callable[[], httpx2.Response]]]) -> list[Answer]:
    """Sends every request at the same moment, each from its own thread; the answers in the
    order of `requests`."""
    barrier = threading.Barrier(len(requests))
    answers: list[Answer | None] = [None] * len(requests)

    def one(index: int, what: str, send: Callable[[], httpx2.Response]) -> None:
        barrier.wait()
        answers[index] = timed(what, send)

    threads = [
        threading.Thread(target=one, args=(i, what, send), daemon=True)
        for i, (what, send) in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [a for a in answers if a is not None]


@dataclass
class Watch:
    """Fetches `path` from each base URL, one request after another per URL, until stopped:
    what an applicant opening the home page sees meanwhile."""

    base_urls: Sequence[str]
    path: str = "/"
    timeout: float = 30.0
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _watch(self, base_url: str) -> None:
        with httpx2.Client(base_url=base_url, timeout=self.timeout, trust_env=False) as http:
            while not self._stop.is_set():
                answer = timed(f"GET {self.path}", lambda: http.get(self.path))
                with self._lock:
                    self.answers.append(answer)
                if answer.status is None:
                    self._stop.wait(0.05)  # a refused connection must not spin

    def __enter__(self) -> Watch:
        for base_url in self.base_urls:
            thread = threading.Thread(target=self._watch, args=(base_url,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of `values` fall (nearest rank, as load tools report)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = min(max(math.ceil(share * len(ordered)), 1), len(ordered))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")
