"""What the load test checks once the opening is played, and while it is: seats never over
capacity, every mail of the outbox delivered once, the pages' times and failures as Locust
counted them."""

from __future__ import annotations

import csv
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from inbox import journal
from sqlalchemy import Engine, text

from tests.serving import PROJECT


def seat_states() -> list[str]:
    """The states that hold a seat, as the workflow declares them."""
    spec = yaml.safe_load((PROJECT / "workflows" / "onboarding.yaml").read_text(encoding="utf-8"))
    return [state["id"] for state in spec["process"]["states"] if state.get("holds_seat")]


def seats_taken(db: Engine, code: str) -> int:
    states = seat_states()
    marks = ", ".join(f":s{n}" for n in range(len(states)))
    query = text(f"SELECT count(*) FROM requests WHERE session_code = :code AND state IN ({marks})")
    with db.connect() as connection:
        values = {"code": code, **{f"s{n}": state for n, state in enumerate(states)}}
        return int(connection.execute(query, values).scalar_one())


def states_of(db: Engine, code: str) -> dict[str, int]:
    query = text("SELECT state, count(*) FROM requests WHERE session_code = :code GROUP BY state")
    with db.connect() as connection:
        return {str(state): int(n) for state, n in connection.execute(query, {"code": code})}


class SeatWatch:
    """Counts the seats taken every half second during the run: the highest count seen."""

    def __init__(self, db: Engine, code: str) -> None:
        self.db, self.code = db, code
        self.highest = 0
        self.samples = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self.stopped.wait(0.5):
            self.highest = max(self.highest, seats_taken(self.db, self.code))
            self.samples += 1

    def __enter__(self) -> SeatWatch:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopped.set()
        self.thread.join()
        self.highest = max(self.highest, seats_taken(self.db, self.code))


def queued_mails(db: Engine) -> int:
    with db.connect() as connection:
        query = text("SELECT count(*) FROM outbox WHERE status = 'queued'")
        return int(connection.execute(query).scalar_one())


@dataclass
class MailCheck:
    """The outbox against what the SMTP sink received, by Message-ID."""

    in_outbox: int = 0
    received: int = 0
    lost: list[str] = field(default_factory=list)  # in the outbox, never received
    duplicated: list[str] = field(default_factory=list)  # received more than once
    unknown: list[str] = field(default_factory=list)  # received, in no outbox row
    failed: int = 0  # given up by the worker
    by_template: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.unknown or self.failed)


def check_mails(db: Engine, mail_folder: Path) -> MailCheck:
    with db.connect() as connection:
        rows = connection.execute(text("SELECT message_id, template, status FROM outbox")).all()
    received = Counter(str(line["message_id"]) for line in journal(mail_folder))
    sent = {str(message_id) for message_id, _, _ in rows}
    return MailCheck(
        in_outbox=len(rows),
        received=sum(received.values()),
        lost=sorted(sent - set(received)),
        duplicated=sorted(m for m, n in received.items() if n > 1),
        unknown=sorted(set(received) - sent),
        failed=sum(1 for _, _, status in rows if status == "failed"),
        by_template=dict(Counter(str(template) for _, template, _ in rows).most_common()),
    )


@dataclass(frozen=True)
class PageFigures:
    name: str
    count: int
    failures: int
    p50: float
    p95: float
    p99: float
    highest: float


def page_figures(stats_csv: Path) -> list[PageFigures]:
    """Locust's statistics per page (`--csv`), in milliseconds; the total row last."""
    figures = []
    with stats_csv.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            kind = row["Type"]
            name = f"{kind} {row['Name']}".strip() if row["Name"] != "Aggregated" else "all"
            figures.append(
                PageFigures(
                    name=name,
                    count=int(row["Request Count"]),
                    failures=int(row["Failure Count"]),
                    p50=_number(row["50%"]),
                    p95=_number(row["95%"]),
                    p99=_number(row["99%"]),
                    highest=_number(row["Max Response Time"]),
                )
            )
    return figures


def failures(failures_csv: Path) -> list[dict[str, Any]]:
    if not failures_csv.exists():
        return []
    with failures_csv.open(encoding="utf-8") as rows:
        return list(csv.DictReader(rows))


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0
