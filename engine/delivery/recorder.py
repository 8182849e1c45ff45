"""Each mail's outcome written while the next mail is being sent.

The worker's SMTP conversation spends most of its wall time waiting for the server's answers,
with the GIL released; one thread of its own writes the outcome of the mail before (a short
transaction: BEGIN, one UPDATE, COMMIT) in that wait. The pipeline is one outcome deep: before
handing over the outcome of mail k, the worker waits until the outcome of mail k-1 is committed.
So while mail k is being sent, every mail before k-1 is already recorded, and a worker killed at
any moment sends again at most two mails: the one it was sending and the one sent just before,
whose outcome may still have been on its way (docs/decisions/0023).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import Connection, Engine, Executable


class OutcomeRecorder:
    """Writes statements in order, each in a transaction of its own, on one connection opened
    and closed by its own thread (a connection stays in the thread that opened it)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-recorder")
        self._connection: Connection | None = None
        self._pending: Future[None] | None = None

    def record(self, statement: Executable, parameters: dict[str, Any]) -> None:
        """Waits for the outcome handed over before (its error, if any, is raised here), then
        hands this one over and returns at once."""
        self.wait()
        self._pending = self._thread.submit(self._write, statement, parameters)

    def wait(self) -> None:
        """Returns once every outcome handed over is committed."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Waits for the last outcome, then closes the connection and ends the thread."""
        try:
            self.wait()
        finally:
            self._thread.submit(self._disconnect).result()
            self._thread.shutdown()

    def _write(self, statement: Executable, parameters: dict[str, Any]) -> None:
        if self._connection is None:
            self._connection = self._engine.connect()
        with self._connection.begin():
            self._connection.execute(statement, parameters)

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
