"""Benchmark of the backoffice queue (`GET /backoffice/onboarding/demandes`) at 1,000 and
100,000 requests, through the real app.

A generator writes the rows directly (no wizard, no firing: 100,000 requests take seconds, not
hours): requests of the onboarding workflow with answers as its wizard stores them (French
names with accents, e-mail addresses, 62 organisations in the reference list, 12 of them
described by their applicants and "not referenced", funding methods, sessions, mandates,
dietary details now and then), in states spread as registrations leave them (most registered,
expired or cancelled; a tenth in progress; drafts), submitted over two years, each with its
history rows and its queue columns (`engine.service.request_columns.queue_columns`, as
submission writes them). The schema comes from the migrations, the reference lists and the
workflow version from `prepare_database`, like a real instance.

Then, for each size, the app (`web.app.create_app`) is driven in-process by Starlette's
TestClient, logged in as a registration manager, and each scenario is requested `--runs`
times after two warm-up requests; reported: median and p95 wall time of the whole HTTP request
(routing, session cookie, queries, template), and the row count the page shows:

| scenario | request |
| --- | --- |
| first page | the queue as it opens: every submitted request, newest first, page 1 |
| filtered page | tab "in progress", one organisation of the reference list, one funding method |
| middle page | page 970 of every submitted request (offset 48,450 at 100,000): the dearest |
| last page | the last page of every submitted request (offset 96,950 at 100,000) |
| search by name | `q=` a family name (1,818 requests at 100,000), in capitals, accents removed |
| search by reference | `q=` one reference |
| sorted by state | every submitted request sorted by state, page 20 |
| session | one session's requests sorted by reference |
| notifications | the notifications page (one per confirmation or cancellation: 80,000 at 100,000) |

SQLite is a file in a temporary folder (WAL, as the product opens it). `--postgres URL` also
runs on PostgreSQL: URL is a server the script may create a database on (it drops it at the
end), e.g. postgresql://postgres@127.0.0.1:5432/test; the tables are VACUUM ANALYZEd after
loading, as autovacuum would do.

Run from the project root:  .venv/bin/python bench/queue_bench.py [--sizes 1000 100000]
[--runs 30] [--postgres URL] [--explain]; about a minute on SQLite. Writes only in a temporary
directory (and the PostgreSQL database it creates)."""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import unicodedata
import uuid
from collections import Counter as Frequencies
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Engine, create_engine, insert, literal, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from engine.compiled import CompiledWorkflow  # noqa: E402
from engine.config import AppSettings  # noqa: E402
from engine.service.accounts import hash_password, use_hasher  # noqa: E402
from engine.service.catalog import search_text  # noqa: E402
from engine.service.request_columns import queue_columns  # noqa: E402
from engine.service.setup import prepare_database  # noqa: E402
from engine.spec.process import ByLink, ByRoles  # noqa: E402
from engine.store.db import make_engine  # noqa: E402
from engine.store.models import (  # noqa: E402
    Account,
    Counter,
    HistoryRow,
    Notification,
    NotificationRead,
    ReferenceEntryRow,
    RequestRow,
    TrainingSession,
    UTCDateTime,
)
from web.app import create_app, make_runtime  # noqa: E402

WORKFLOW = "onboarding"
AIM_MS = 100.0
NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
PASSWORD = "bench password, not a secret"
MANAGER = "gestion@bench.example"

FIRST = [
    "Camille",
    "Dominique",
    "Claude",
    "Hélène",
    "Élodie",
    "Jérôme",
    "Frédéric",
    "Noémie",
    "Maëlle",
    "Chloé",
    "Léa",
    "Zoé",
    "Inès",
    "Loïc",
    "Joël",
    "Gaël",
    "Rémi",
    "Aurélie",
    "Sébastien",
    "Stéphane",
    "Cécile",
    "Béatrice",
    "André",
    "Thérèse",
    "Françoise",
    "Jean-François",
    "Marie-Hélène",
    "Anaïs",
    "Agnès",
    "Benoît",
    "Nathalie",
    "Pascal",
    "Sylvie",
    "Olivier",
    "Isabelle",
    "Christophe",
    "Valérie",
    "Laurent",
    "Sandrine",
    "Thierry",
    "Patricia",
    "Michel",
    "Martine",
    "Philippe",
    "Brigitte",
]
LAST = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefebvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sánchez",
    "Gérard",
    "Nguyen",
    "Boyer",
    "Denis",
    "Lemaire",
    "Duval",
    "Joly",
    "Gautier",
    "Roger",
    "Roche",
    "Roy",
    "Noël",
    "Meyer",
    "Lucas",
    "Meunier",
    "Jean",
    "Pérez",
    "Marchand",
    "Dufour",
    "Blanchard",
    "Barbier",
    "Brun",
    "Dumas",
    "Brunet",
    "Schmitt",
    "Leroux",
    "Colin",
    "Fernandez",
    "Pierre",
    "Renard",
    "Arnaud",
    "Rolland",
    "Caron",
    "Aubert",
    "Giraud",
    "Leclerc",
    "Vidal",
    "Bourgeois",
    "Renaud",
    "Lemoine",
    "Picard",
    "Gaillard",
    "Philippe",
    "Lacroix",
    "Dupuis",
    "Olivier",
    "Louis",
    "Charpentier",
    "Moulin",
    "Guillot",
    "Rey",
    "Berger",
    "Fabre",
    "Étienne",
    "Hébert",
]
CITIES = (
    ("Lyon", "69001"),
    ("Villeurbanne", "69100"),
    ("Vénissieux", "69200"),
    ("Grenoble", "38000"),
    ("Échirolles", "38130"),
    ("Saint-Étienne", "42000"),
    ("Chambéry", "73000"),
    ("Annecy", "74000"),
    ("Valence", "26000"),
    ("Bourg-en-Bresse", "01000"),
    ("Roanne", "42300"),
    ("Vienne", "38200"),
    ("Montélimar", "26200"),
    ("Aix-les-Bains", "73100"),
    ("Oyonnax", "01100"),
)
KINDS = ("commune", "epci", "departement", "syndicat", "cfa")
MANDATES = (
    "maire",
    "adjoint_maire",
    "conseiller_municipal",
    "president_epci",
    "conseiller_communautaire",
    "conseiller_departemental",
    "conseiller_regional",
    "autre",
)
EXPECTATIONS = (
    "Mieux comprendre les leviers de rénovation du patrimoine communal.",
    "Préparer le vote du budget primitif avec l'équipe municipale.",
    "Gagner en aisance lors des conseils municipaux.",
    "",
    "Échanger avec des élus d'autres collectivités sur leurs pratiques.",
)
# The transitions whose actions notify the registration managers, with the message's start.
NOTIFYING = {
    "confirm_email": "Adresse confirmée",
    "confirm_email_session_full": "Session complète",
    "cancel_by_applicant": "Demande annulée",
}
# (state, share of the requests, the transitions that led there)
STATES = (
    ("draft", 0.03, ()),
    ("awaiting_email_confirmation", 0.04, ("submit",)),
    ("email_confirmed", 0.05, ("submit", "confirm_email")),
    ("institution_validated", 0.03, ("submit", "confirm_email", "validate_institution")),
    (
        "operator_validated",
        0.02,
        ("submit", "confirm_email", "validate_institution", "validate_operator"),
    ),
    (
        "registered",
        0.45,
        (
            "submit",
            "confirm_email",
            "validate_institution",
            "validate_operator",
            "validate_applicant",
        ),
    ),
    ("waiting_list", 0.02, ("submit", "confirm_email_session_full")),
    ("cancelled", 0.11, ("submit", "confirm_email", "cancel_by_applicant")),
    ("rejected", 0.03, ("submit", "confirm_email", "reject")),
    ("expired", 0.22, ("submit", "expire")),
)


def plain(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).lower()


# =============================================================================================
# The generator
# =============================================================================================


@dataclass
class Fixture:
    sessions: list[str]
    organisations: list[str]  # entry ids of the reference list
    search_name: str  # a family name to search for
    reference: str  # a reference to search for


def _sessions(rng: random.Random) -> list[dict[str, Any]]:
    sessions = []
    for year in (24, 25, 26):
        for number in range(1, 17):
            start = datetime(2000 + year, 1 + (number * 7) % 12, 1 + number, 9, 0, tzinfo=UTC)
            sessions.append(
                {
                    "workflow_id": WORKFLOW,
                    "code": f"{year}C{number:02d}S{1 + number % 2}",
                    "title": f"Session de formation n°{number} ({2000 + year})",
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=7),
                    "place": rng.choice(CITIES)[0],
                    "capacity": rng.choice((15, 20, 25, 30, 40)) * 60,
                    "is_open": year == 26,
                    "created_at": NOW,
                }
            )
    return sessions


def _organisations(compiled: CompiledWorkflow, rng: random.Random) -> list[dict[str, Any]]:
    ref = next(r for r in compiled.spec.reference_lists if r.id == "establishments")
    rows = []
    for index in range(50):
        city, postal = CITIES[index % len(CITIES)]
        kind = KINDS[index % len(KINDS)]
        label = f"{kind.capitalize()} de {city} n°{index}"
        values = {
            "type": kind,
            "postal_code": postal,
            "city": city,
            "validation_email": f"formation{index}@collectivite.example",
            "conventioned": index % 3 != 0,
        }
        rows.append(
            {
                "workflow_id": WORKFLOW,
                "list_id": ref.id,
                "entry_id": f"bench_{index}",
                "label": label,
                "status": "referenced",
                "active": True,
                "values": values,
                "search_text": search_text(ref, label, values),
                "position": 100 + index,
                "created_at": NOW,
            }
        )
    for index in range(12):  # described by applicants: "non référencé"
        city, postal = rng.choice(CITIES)
        label = f"Mairie de {city}-le-Petit {index}"
        values = {"type": "commune", "postal_code": postal, "city": city}
        rows.append(
            {
                "workflow_id": WORKFLOW,
                "list_id": ref.id,
                "entry_id": f"new-bench{index:04d}",
                "label": label,
                "status": "unreferenced",
                "active": True,
                "values": values,
                "search_text": search_text(ref, label, values),
                "position": 200 + index,
                "created_at": NOW,
            }
        )
    return rows


def _answers(rng: random.Random, session: str, organisation: str) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = f"{plain(first)}.{plain(last)}{rng.randrange(1000)}@exemple.fr".replace(" ", "")
    _city, postal = rng.choice(CITIES)
    mandate = rng.choice(MANDATES)
    dietary = rng.random() < 0.15
    answers: dict[str, Any] = {
        "session_code": session,
        "funding_method": "personal" if rng.random() < 0.2 else "establishment",
        "establishment": organisation,
        "civility": rng.choice(("m", "mme")),
        "first_name": first,
        "last_name": last,
        "email": email,
        "postal_code": postal,
        "phone": f"+336{rng.randrange(10**7, 10**8)}",
        "expectations": rng.choice(EXPECTATIONS) or None,
        "mandate": mandate,
        "first_mandate_year": rng.randrange(1983, 2026),
        "dietary_constraints": dietary,
        "disability": False,
        "share_with_participants": rng.random() < 0.7,
        "training_offer_mailing": rng.random() < 0.4,
        "image_rights": rng.random() < 0.6,
        "terms_accepted": "2026-01",
    }
    if mandate == "autre":
        answers["mandate_other"] = "Délégué·e syndical·e intercommunal·e"
    if dietary:
        answers["dietary_details"] = rng.choice(("Sans gluten", "Végétarien", "Sans porc"))
    return {k: v for k, v in answers.items() if v is not None}


def fill(engine: Engine, compiled: CompiledWorkflow, size: int, seed: int = 7) -> Fixture:
    """Writes `size` requests (with their history) into a prepared, empty database."""
    rng = random.Random(seed)
    sessions = _sessions(rng)
    organisations = _organisations(compiled, rng)
    weights = [share for _, share, _ in STATES]
    numbers: dict[str, int] = {}
    labels = {t.id: t for t in compiled.spec.process.transitions}
    names: list[str] = []
    references: list[str] = []
    with engine.begin() as connection:
        connection.execute(insert(TrainingSession), sessions)
        connection.execute(insert(ReferenceEntryRow), organisations)
        connection.execute(
            insert(Account),
            [
                {
                    "email": MANAGER,
                    "first_name": "Dominique",
                    "last_name": "Banc",
                    "password_hash": hash_password(PASSWORD),
                    "roles": ["registration_manager"],
                    "profile": {},
                    "active": True,
                    "created_at": NOW,
                }
            ],
        )
        manager_id = connection.execute(
            select(Account.id).where(Account.email == MANAGER)
        ).scalar_one()
        start = NOW - timedelta(days=730)
        batch: list[dict[str, Any]] = []
        histories: list[tuple[int, str, str, datetime]] = []
        notices: list[dict[str, Any]] = []
        notified = 0
        next_id = 1

        def flush() -> None:
            if batch:
                connection.execute(insert(RequestRow), batch)
                batch.clear()
            if histories:
                connection.execute(insert(HistoryRow), [_history(h, labels) for h in histories])
                histories.clear()
            if notices:
                connection.execute(insert(Notification), notices)
                notices.clear()

        for index in range(size):
            state, _, path = rng.choices(STATES, weights)[0]
            created = start + timedelta(seconds=index * 730 * 86400 / max(size, 1))
            created += timedelta(seconds=rng.randrange(600))
            session = rng.choice(sessions)["code"]
            organisation = rng.choice(organisations)["entry_id"]
            answers = _answers(rng, session, organisation)
            submitted = state != "draft"
            reference = None
            if submitted:
                numbers[session] = numbers.get(session, 0) + 1
                reference = f"{session}-{numbers[session]:04d}"
                references.append(reference)
            columns = queue_columns(compiled, answers, reference) if submitted else None
            names.append(answers["last_name"])
            submitted_at = created + timedelta(minutes=rng.randrange(5, 90)) if submitted else None
            moment = submitted_at or created
            for step, transition in enumerate(path):
                moment = moment + timedelta(hours=rng.randrange(1, 24 * (1 + step)))
                histories.append((next_id, transition, str(step), moment))
                if transition in NOTIFYING:  # as the spec's notify actions do
                    notices.append(
                        {
                            "id": len(notices) + notified + 1,
                            "request_id": next_id,
                            "dedupe_key": f"bench:{next_id}:{transition}",
                            "role": "registration_manager",
                            "message": f"{NOTIFYING[transition]} : demande {reference} de "
                            f"{answers['first_name']} {answers['last_name']}.",
                            "created_at": moment,
                        }
                    )
            batch.append(
                {
                    "id": next_id,
                    "public_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "reference": reference,
                    "workflow_id": WORKFLOW,
                    "spec_hash": compiled.content_hash,
                    "state": state,
                    "state_entered_at": moment,
                    "session_code": session,
                    "answers": answers,
                    "current_step": None if submitted else "trainee",
                    "locale": "fr",
                    "applicant_email": answers["email"] if submitted else None,
                    "account_id": None,
                    "draft_secret_hash": None if submitted else uuid.uuid4().hex,
                    "version": 1 + len(path),
                    "created_at": created,
                    "updated_at": moment,
                    "submitted_at": submitted_at,
                    "applicant_name": columns.applicant_name if columns else None,
                    "search_text": columns.search_text if columns else None,
                    "facets": columns.facets if columns else None,
                }
            )
            next_id += 1
            if len(batch) >= 5000:
                notified += len(notices)
                flush()
        notified += len(notices)
        flush()
        # The manager has read every notification but the last 20.
        connection.execute(
            insert(NotificationRead).from_select(
                ["notification_id", "account_id", "read_at"],
                select(Notification.id, literal(manager_id), literal(NOW, UTCDateTime())).where(
                    Notification.id <= notified - 20
                ),
            )
        )
        connection.execute(
            insert(Counter), [{"name": f"reference:{k}", "value": v} for k, v in numbers.items()]
        )
    # A family name that a few dozen requests share at 100,000 (one in 120 names), and a
    # reference from the middle.
    frequency = Frequencies(names)
    family = sorted(frequency, key=lambda name: (frequency[name], name))[len(frequency) // 2]
    return Fixture(
        [s["code"] for s in sessions],
        [o["entry_id"] for o in organisations],
        family,
        references[len(references) // 2],
    )


def _history(item: tuple[int, str, str, datetime], transitions: dict[str, Any]) -> dict[str, Any]:
    request_id, transition, _, moment = item
    spec = transitions[transition]
    by = spec.by
    kind = (
        "applicant"
        if by == "applicant"
        else "user"
        if isinstance(by, ByRoles)
        else "link"
        if isinstance(by, ByLink)
        else "timer"
    )
    return {
        "request_id": request_id,
        "transition": transition,
        "from_state": spec.source[0],
        "to_state": spec.to or spec.source[0],
        "actor_kind": kind,
        "actor_name": MANAGER if kind == "user" else "",
        "role": "registration_manager" if kind == "user" else None,
        "comment": "Dossier incomplet." if transition == "reject" else None,
        "at": moment,
    }


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
    shown: str


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def scenarios(fixture: Fixture, size: int) -> list[tuple[str, str]]:
    submitted = round(size * 0.97)
    last_page = max(1, -(-submitted // 50))
    base = f"/backoffice/{WORKFLOW}/demandes"
    return [
        ("first page", base),
        (
            "filtered page",
            f"{base}?onglet=in_progress&f_establishment={fixture.organisations[3]}"
            "&f_funding_method=establishment",
        ),
        ("middle page", f"{base}?page={(last_page + 1) // 2}"),
        ("last page", f"{base}?page={last_page}"),
        ("search by name", f"{base}?q={plain(fixture.search_name).upper()}"),
        ("search by reference", f"{base}?q={fixture.reference}"),
        ("sorted by state", f"{base}?tri=etat&ordre=asc&page=20"),
        ("session", f"{base}?session={fixture.sessions[20]}&tri=reference&ordre=asc"),
        ("notifications", f"/backoffice/{WORKFLOW}/notifications"),
    ]


def shown(html: str) -> str:
    """The "n–m sur N" line of the page."""
    marker = html.find('class="queue-range"')
    if marker < 0:
        timeline = html.find('class="timeline"')
        return "?" if timeline < 0 else f"{html[timeline:].count('<li')} notifications"
    start = html.find(">", marker) + 1
    return " ".join(html[start : html.find("<", start)].split())


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
        for name, url in scenarios(fixture, size):
            for _ in range(2):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
            times = []
            for _ in range(runs):
                began = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200
            results.append(
                Result(
                    backend,
                    size,
                    name,
                    statistics.median(times),
                    percentile(times, 0.95),
                    shown(response.text),
                )
            )
            print(
                f"  {backend:10} {size:>7} {name:20} p95 {results[-1].p95_ms:7.1f} ms", flush=True
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


@contextmanager
def sqlite_database(folder: Path, size: int) -> Iterator[tuple[Engine, str]]:
    url = f"sqlite:///{folder / f'queue-{size}.sqlite3'}"
    engine = make_engine(url)
    try:
        yield engine, url
    finally:
        engine.dispose()


@contextmanager
def postgres_database(server: str, size: int) -> Iterator[tuple[Engine, str]]:
    admin_url = make_url(server).set(drivername="postgresql+psycopg")
    name = f"queue_bench_{size}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        yield engine, url
    finally:
        engine.dispose()
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
) -> list[Result]:
    with database as (engine, url):
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
        began = time.perf_counter()
        fixture = fill(engine, compiled, size)
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
        print(
            f"{backend}: {size:,} requests written in {time.perf_counter() - began:.1f} s",
            flush=True,
        )
        if show_plans:
            explain(engine, fixture)
        return measure(backend, engine, settings, fixture, size, runs)


def report(results: list[Result]) -> None:
    print()
    print("| backend | requests | scenario | median ms | p95 ms | shown |")
    print("| --- | ---: | --- | ---: | ---: | --- |")
    for r in results:
        flag = "" if r.p95_ms <= AIM_MS else " (over the aim)"
        print(
            f"| {r.backend} | {r.size:,} | {r.scenario} | {r.median_ms:.1f} | "
            f"{r.p95_ms:.1f}{flag} | {r.shown} |"
        )
    print(f"\naim: p95 under {AIM_MS:.0f} ms at every size")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--runs", type=int, default=30, help="timed requests per scenario")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL server")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    args = parser.parse_args(argv)
    use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="queue-bench-") as name:
        folder = Path(name)
        for size in args.sizes:
            if not args.no_sqlite:
                database = sqlite_database(folder, size)
                results += run("SQLite", database, size, args.runs, folder, show_plans=args.explain)
            if args.postgres:
                database = postgres_database(args.postgres, size)
                results += run(
                    "PostgreSQL", database, size, args.runs, folder, show_plans=args.explain
                )
    report(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
