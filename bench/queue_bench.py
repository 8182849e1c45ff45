"""Benchmark of the backoffice at 1,000 to 1,000,000 requests, through the real app: the queue
(`GET /backoffice/onboarding/demandes`) in every way an operator reads it, the request page, the
overview and the notifications.

The data comes from `queue_fill.py`: requests written directly (no wizard, no firing), with
their history, notifications and mails, a million of them in a couple of minutes on
PostgreSQL (COPY). The schema comes from the migrations, the reference lists and the workflow
version from `prepare_database`, like a real instance.

Then, for each size, the app (`app.factory.create_app`) is driven in-process by Starlette's
TestClient, logged in as a registration manager, and each scenario is requested `--runs`
times after two warm-up requests; reported: median and p95 wall time of the whole HTTP request
(routing, session cookie, queries, template), and what the page shows:

| scenario | request |
| --- | --- |
| first page | the queue as it opens: every submitted request, newest first, page 1 |
| filtered page | tab "in progress", one organisation of the reference list, one funding method |
| deep page, by next | page 2,000 of every submitted request, reached by the "next" link |
| middle page, by next | the middle page, reached by the "next" link (keyset) |
| middle page, typed | `?page=N` alone: out of an offset's reach, the nearest page opens |
| last page | the last page of every submitted request |
| oldest first | sorted by date, ascending, page 1 |
| sorted by reference | every submitted request by reference, page 20 |
| by reference, descending | the same, descending, page 20 |
| sorted by state | every submitted request sorted by state, page 20 |
| by state, descending | the same, descending, page 20 |
| search by name | `q=` a family name (1,818 requests at 100,000), in capitals, accents removed |
| search, many hits | `q=FRANCOIS`: François, Françoise, Jean-François (about 5 % of the requests) |
| search by reference | `q=` one reference |
| session | one session's requests sorted by reference |
| request page | one request: answers, history, mails |
| overview | counts per state and per session, drafts by wizard step |
| notifications | the notifications page (one per confirmation or cancellation) |

SQLite is a file in a temporary folder (WAL, as the product opens it). `--postgres URL` also
runs on PostgreSQL: URL is a server the script may create a database on (it drops it at the
end), e.g. postgresql://postgres@127.0.0.1:5432/test.

Run from the project root:  .venv/bin/python bench/queue_bench.py [--sizes 1000 100000]
[--runs 30] [--postgres URL] [--no-sqlite] [--explain] [--keep] [--processes N]; about a
minute on SQLite at 100,000. Writes only in a temporary directory (and the PostgreSQL database
it creates). `--keep` keeps each filled database (SQLite: a file in the system's temporary
folder; PostgreSQL: `queue_bench_<size>_kept`) and reuses it on the next run with `--keep`, so
that a million requests are written once; `--runs 0` only fills. Drop the database by hand
when done."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from argon2 import PasswordHasher  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from queue_fill import MANAGER, PASSWORD, STATES, WORKFLOW, Fixture, fill, plain  # noqa: E402
from sqlalchemy import Engine, create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.factory import create_app, make_runtime  # noqa: E402
from engine.config import AppSettings  # noqa: E402
from engine.service.accounts import use_hasher  # noqa: E402
from engine.service.setup import prepare_database  # noqa: E402
from engine.store.db import make_engine  # noqa: E402

AIM_MS = 100.0


# =============================================================================================
# Measuring through the app
# =============================================================================================


@dataclass
class Result:
    backend: str
    size: int
    scenario: str
    median_ms: float
    p95_ms: float
    cpu_ms: float  # per request: this process and the database server's backends
    shown: str


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def row_before(engine: Engine, offset: int) -> str:
    """The public id of the submitted request at this offset of the queue's default order: the
    row a "next" link names to reach the page after it."""
    with engine.connect() as connection:
        return str(
            connection.execute(
                text(
                    "SELECT public_id FROM requests WHERE workflow_id = :w "
                    "AND submitted_at IS NOT NULL ORDER BY submitted_at DESC, id DESC "
                    "LIMIT 1 OFFSET :k"
                ),
                {"w": WORKFLOW, "k": max(0, offset)},
            ).scalar_one()
        )


def scenarios(engine: Engine, fixture: Fixture, size: int) -> list[tuple[str, str]]:
    with engine.connect() as connection:  # about 97 % of the requests
        submitted = connection.execute(
            text(
                "SELECT count(*) FROM requests WHERE workflow_id = :w AND submitted_at IS NOT NULL"
            ),
            {"w": WORKFLOW},
        ).scalar_one()
    last_page = max(1, -(-submitted // 50))
    deep, middle = min(2000, last_page), max(2, (last_page + 1) // 2)
    base = f"/backoffice/{WORKFLOW}/demandes"

    def following(page: int) -> str:  # the address a "next" link gives
        return f"{base}?page={page}&apres={row_before(engine, (page - 1) * 50 - 1)}"

    return [
        ("first page", base),
        (
            "filtered page",
            f"{base}?onglet=in_progress&f_establishment={fixture.organisations[3]}"
            "&f_funding_method=establishment",
        ),
        ("deep page, by next", following(deep)),
        ("middle page, by next", following(middle)),
        ("middle page, typed", f"{base}?page={middle}"),
        ("last page", f"{base}?page={last_page}"),
        ("oldest first", f"{base}?ordre=asc"),
        ("sorted by reference", f"{base}?tri=reference&ordre=asc&page=20"),
        ("by reference, descending", f"{base}?tri=reference&page=20"),
        ("sorted by state", f"{base}?tri=etat&ordre=asc&page=20"),
        ("by state, descending", f"{base}?tri=etat&page=20"),
        ("search by name", f"{base}?q={plain(fixture.search_name).upper()}"),
        ("search, many hits", f"{base}?q=FRANCOIS"),  # François, Françoise...: 5 %
        ("search by reference", f"{base}?q={fixture.reference}"),
        ("session", f"{base}?session={fixture.sessions[20]}&tri=reference&ordre=asc"),
        ("request page", f"{base}/{fixture.reference}"),
        ("overview", f"/backoffice/{WORKFLOW}/vue-ensemble"),
        ("notifications", f"/backoffice/{WORKFLOW}/notifications"),
    ]


def shown(html: str) -> str:
    """The "n–m sur N" line of a queue page; another page's title and how many lines its
    timeline has (notifications, history)."""
    marker = html.find('class="queue-range"')
    if marker < 0:
        start = html.find(">", html.find("<h1")) + 1
        title = " ".join(html[start : html.find("</h1>", start)].split())
        timeline = html.find('class="timeline"')
        lines = html[timeline : html.find("</ol>", timeline)].count("<li") if timeline >= 0 else 0
        return f"{title}: {lines} lines" if lines else title
    start = html.find(">", marker) + 1
    return " ".join(html[start : html.find("<", start)].split())


def database_cpu_seconds(engine: Engine) -> float:
    """CPU used so far by the PostgreSQL backends serving this database (they run on this
    machine; /proc tells their user and system time). SQLite runs inside this process."""
    if engine.dialect.name != "postgresql":
        return 0.0
    with engine.connect() as connection:
        pids = connection.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).scalars()
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def cpu_seconds(engine: Engine) -> float:
    return time.process_time() + database_cpu_seconds(engine)


def measure(
    backend: str, engine: Engine, settings: AppSettings, fixture: Fixture, size: int, runs: int
) -> list[Result]:
    runtime = make_runtime(settings)
    app = create_app(settings, runtime=runtime, engine=engine)
    results = []
    with TestClient(app, base_url="http://testserver") as client:
        page = client.get("/backoffice/connexion").text
        token = page.split('name="_csrf" value="', 1)[1].split('"', 1)[0]
        answer = client.post(
            "/backoffice/connexion",
            data={"email": MANAGER, "password": PASSWORD, "_csrf": token, "suite": "/backoffice/"},
        )
        # Logged in: sent on to the queue (the manager reaches one workflow).
        assert answer.status_code == 200 and "queue-range" in answer.text, answer.text[:300]
        for name, url in scenarios(engine, fixture, size):
            for _ in range(2):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
            times = []
            cpu = cpu_seconds(engine)
            for _ in range(runs):
                began = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200
            cpu = (cpu_seconds(engine) - cpu) * 1000 / runs
            results.append(
                Result(
                    backend,
                    size,
                    name,
                    statistics.median(times),
                    percentile(times, 0.95),
                    cpu,
                    shown(response.text),
                )
            )
            print(
                f"  {backend:10} {size:>7} {name:24} p95 {results[-1].p95_ms:7.1f} ms"
                f"  cpu {cpu:6.1f} ms  load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    return results


def explain(engine: Engine, fixture: Fixture) -> None:
    """The query plans of the queue's statements (SQLite: EXPLAIN QUERY PLAN)."""
    from sqlalchemy.orm import Session

    from engine.service import request_list as q

    states = ("email_confirmed", "institution_validated", "operator_validated")
    submitted = tuple(s for s, _, _ in STATES if s != "draft")
    queries = {
        "first page": q.QueueQuery(submitted=True, states=submitted),
        "filtered": q.QueueQuery(
            submitted=True, states=states, facets=(("establishment", fixture.organisations[3]),)
        ),
        "search": q.QueueQuery(
            submitted=True, states=submitted, words=(plain(fixture.search_name),)
        ),
    }
    with Session(engine) as db:
        for name, query in queries.items():
            for label, statement in (
                ("counts", q.state_counts_statement(WORKFLOW, query, engine.dialect.name)),
                ("page ids", q.page_ids_statement(WORKFLOW, query, dialect=engine.dialect.name)),
            ):
                compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
                prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
                plan = db.execute(text(prefix + str(compiled))).all()
                print(f"-- {name}: {label}")
                for row in plan:
                    print("   ", row[-1])


# =============================================================================================
# Databases
# =============================================================================================


@dataclass
class Database:
    """A database to fill, or one kept from an earlier run with what it was filled with."""

    engine: Engine
    url: str
    kept: Fixture | None  # the earlier run's fixture: the data is there already
    keep: Any  # called with the fixture once filled, when the database is to be kept


def _fixture(saved: str | None) -> Fixture | None:
    return Fixture(**json.loads(saved)) if saved else None


@contextmanager
def sqlite_database(folder: Path, size: int, keep: bool) -> Iterator[Database]:
    """A file in the run's folder; with `keep`, in the system's temporary folder, reused by the
    next run that keeps it (its fixture beside it)."""
    path = Path(tempfile.gettempdir()) / f"queue-bench-kept-{size}.sqlite3" if keep else None
    path = path or folder / f"queue-{size}.sqlite3"
    saved = path.with_suffix(".json")
    kept = _fixture(saved.read_text()) if keep and saved.exists() and path.exists() else None
    url = f"sqlite:///{path}"
    engine = make_engine(url)

    def remember(fixture: Fixture) -> None:
        saved.write_text(json.dumps(dataclasses.asdict(fixture)))

    try:
        yield Database(engine, url, kept, remember if keep else None)
    finally:
        engine.dispose()


@contextmanager
def postgres_database(server: str, size: int, keep: bool) -> Iterator[Database]:
    """A database of its own on that server, dropped at the end; with `keep`, one named after
    the size, kept with its fixture as the database's comment and reused by the next run."""
    admin_url = make_url(server).set(drivername="postgresql+psycopg")
    name = f"queue_bench_{size}_kept" if keep else f"queue_bench_{size}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        saved = connection.execute(
            text(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                "WHERE datname = :name"
            ),
            {"name": name},
        ).first()
        if saved is not None and saved[0] is None:  # filling was interrupted
            connection.execute(text(f'DROP DATABASE "{name}"'))
        if saved is None or saved[0] is None:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)

    def remember(fixture: Fixture) -> None:
        with admin.connect() as connection:
            described = json.dumps(dataclasses.asdict(fixture)).replace("'", "''")
            connection.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{described}'"))

    try:
        kept = _fixture(saved[0]) if saved is not None else None
        yield Database(engine, url, kept, remember if keep else None)
    finally:
        engine.dispose()
        if not keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def run(
    backend: str,
    database: Any,
    size: int,
    runs: int,
    folder: Path,
    *,
    show_plans: bool,
    processes: int | None = None,
) -> list[Result]:
    with database as kept:
        engine, url = kept.engine, kept.url
        settings = AppSettings(
            project_dir=ROOT,
            data_dir=folder,
            database_url=url,
            secret_key="bench-secret-key",
            base_url="http://testserver",
        )
        runtime = make_runtime(settings)
        prepare_database(engine, runtime.registry)
        compiled = runtime.registry.get(WORKFLOW)
        assert compiled is not None
        if kept.kept is not None:
            fixture = kept.kept
            print(f"{backend}: {size:,} requests kept from an earlier run", flush=True)
        else:
            fixture = fill(engine, compiled, size, processes=processes)
            print(
                f"{backend}: {size:,} requests (with history, notifications, mails) written in "
                f"{fixture.seconds:.1f} s ({fixture.cpu_seconds:.1f} s of CPU in the generating "
                f"processes, load {os.getloadavg()[0]:.1f}); "
                + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in fixture.phases.items()),
                flush=True,
            )
            if kept.keep is not None:
                kept.keep(fixture)
        if show_plans:
            explain(engine, fixture)
        if runs <= 0:  # filling only (to keep the database)
            return []
        return measure(backend, engine, settings, fixture, size, runs)


def report(results: list[Result]) -> None:
    print()
    print("| backend | requests | scenario | median ms | p95 ms | CPU ms | shown |")
    print("| --- | ---: | --- | ---: | ---: | ---: | --- |")
    for r in results:
        flag = "" if r.p95_ms <= AIM_MS else " (over the aim)"
        print(
            f"| {r.backend} | {r.size:,} | {r.scenario} | {r.median_ms:.1f} | "
            f"{r.p95_ms:.1f}{flag} | {r.cpu_ms:.1f} | {r.shown} |"
        )
    print(f"\naim: p95 under {AIM_MS:.0f} ms at every size")
    print("CPU ms: per request, this process (app and test client) and the database's backends")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--runs", type=int, default=30, help="timed requests per scenario")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL server")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep each filled database and reuse it on the next run that keeps it",
    )
    parser.add_argument(
        "--processes", type=int, help="generating processes on PostgreSQL (default: one per core)"
    )
    args = parser.parse_args(argv)
    use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="queue-bench-") as name:
        folder = Path(name)
        for size in args.sizes:
            if not args.no_sqlite:
                database = sqlite_database(folder, size, args.keep)
                results += run("SQLite", database, size, args.runs, folder, show_plans=args.explain)
            if args.postgres:
                database = postgres_database(args.postgres, size, args.keep)
                results += run(
                    "PostgreSQL",
                    database,
                    size,
                    args.runs,
                    folder,
                    show_plans=args.explain,
                    processes=args.processes,
                )
    report(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
