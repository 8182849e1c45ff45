"""The queue benchmark's data: requests of the onboarding workflow written directly (no wizard,
no firing), with their history, notifications and mails, fast enough for a million requests.

The answers are what the wizard stores (French names with accents, e-mail addresses, 62
organisations in the reference list, 12 of them described by their applicants and "not
referenced", funding methods, sessions, mandates, dietary details now and then), in states
spread as registrations leave them (most registered, expired or cancelled; a tenth in progress;
drafts), submitted over two years, each with its history rows, its queue columns
(`engine.service.request_columns.queue_columns`, as submission writes them), a notification for
the managers wherever the spec notifies them and a mail wherever it sends one. The manager has
read every notification but the last 20, as reading them page by page leaves it (the reads and
the watermark).

On PostgreSQL the rows go through COPY, with the big tables' indexes dropped first and built
again at the end (what a bulk load does); on SQLite, through multi-row INSERTs in one
transaction."""

from __future__ import annotations

import bisect
import itertools
import json
import random
import time
import unicodedata
import uuid
from collections import Counter as Frequencies
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, literal, select, text

from engine.compiled import CompiledWorkflow
from engine.service.accounts import hash_password
from engine.service.catalog import normalise_search, search_text
from engine.service.request_columns import queue_columns
from engine.spec.process import ByLink, ByRoles
from engine.store.models import (
    Account,
    Counter,
    HistoryRow,
    Notification,
    NotificationRead,
    NotificationWatermark,
    OutboxMail,
    ReferenceEntryRow,
    RequestRow,
    TrainingSession,
    UTCDateTime,
)

WORKFLOW = "onboarding"
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


@dataclass(frozen=True, slots=True)
class Applicant:
    """One of the people the requests are drawn from, with what is computed once per person:
    the answers but the session, funding and organisation (as JSON text, without its braces),
    the name as the queue shows it and the name and email as its search words hold them."""

    answers: dict[str, Any]
    answers_json: str
    name: str
    words: str


def _applicant(rng: random.Random) -> Applicant:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = f"{plain(first)}.{plain(last)}{rng.randrange(1000)}@exemple.fr".replace(" ", "")
    _city, postal = rng.choice(CITIES)
    mandate = rng.choice(MANDATES)
    dietary = rng.random() < 0.15
    answers: dict[str, Any] = {
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
    answers = {k: v for k, v in answers.items() if v is not None}
    name = f"{first} {last}"
    return Applicant(
        answers,
        json.dumps(answers, ensure_ascii=False)[1:-1],
        name,
        normalise_search(f"{name} {email}"),
    )


class JsonText(str):
    """A JSON document already serialised (COPY takes it as is; INSERT parses it back)."""


def _reference_words(reference: str) -> str:
    """normalise_search of a reference (`26C03S1-0042` → `26c03s1 0042`), the cheap way."""
    return reference.lower().replace("-", " ")


# The transitions whose actions mail the applicant: the template and its subject.
MAILING = {
    "submit": ("confirm_email", "Confirmez votre adresse e-mail"),
    "reject": ("rejected", "Votre demande n'a pas été retenue"),
    "cancel_by_applicant": ("cancellation_confirmed", "Votre demande est annulée"),
}
BATCH = 10_000  # requests per round of writes
APPLICANTS = 20_000  # distinct people the requests are drawn from
CHECKED = 200  # requests whose cheap queue columns are compared with queue_columns


@dataclass
class Fixture:
    sessions: list[str]
    organisations: list[str]  # entry ids of the reference list
    search_name: str  # a family name to search for
    reference: str  # a reference to search for
    seconds: float = 0.0  # how long writing took (indexes built, tables analysed)
    cpu_seconds: float = 0.0  # of that, the CPU this process used (generating, sending)


@dataclass
class Rows:
    """One round of rows to write, table by table (dicts keyed by column name)."""

    requests: list[dict[str, Any]]
    history: list[dict[str, Any]]
    notifications: list[dict[str, Any]]
    mails: list[dict[str, Any]]


def _mail(
    request_id: int,
    transition: str,
    person: Applicant,
    session: str,
    reference: str | None,
    moment: datetime,
) -> dict[str, Any]:
    template, subject = MAILING[transition]
    body = (
        f"Bonjour {person.name},\n\nVotre demande {reference} pour la session "
        f"{session} a bien été prise en compte.\n\nL'équipe formation"
    )
    return {
        "request_id": request_id,
        "workflow_id": WORKFLOW,
        "dedupe_key": f"bench:{request_id}:{transition}:mail",
        "message_id": f"<{request_id}.{transition}@bench.example>",
        "template": template,
        "to": [person.answers["email"]],
        "cc": [],
        "subject": f"{subject} ({reference})",
        "text": body,
        "html": "<p>" + body.replace("\n\n", "</p><p>") + "</p>",
        "attachments": [],
        "status": "sent",
        "attempts": 1,
        "next_attempt_at": moment,
        "lease_until": None,
        "last_error": None,
        "redirected_to": None,
        "created_at": moment,
        "sent_at": moment + timedelta(seconds=5),
    }


def generate(
    compiled: CompiledWorkflow,
    size: int,
    rng: random.Random,
    sessions: list[str],
    organisations: list[str],
    names: list[str],
    references: list[str],
    numbers: dict[str, int],
) -> Iterator[Rows]:
    """Rounds of BATCH requests with their history, notifications and mails; the family names,
    references and last reference number of each session are collected on the way. Applicants
    are drawn from a pool and the queue columns put together from pieces computed once; the
    first CHECKED requests are checked against `queue_columns`, as submission writes them."""
    weights = [share for _, share, _ in STATES]
    cumulative = list(itertools.accumulate(weights))
    people = [_applicant(rng) for _ in range(min(APPLICANTS, max(size, 1)))]
    labels = {t.id: t for t in compiled.spec.process.transitions}
    histories = {t: _history(t, labels) for t in labels}
    facets: dict[tuple[str, str, str], str] = {}  # by the entries chosen
    start = NOW - timedelta(days=730)
    step_seconds = 730 * 86400 / max(size, 1)
    rows = Rows([], [], [], [])
    notified = 0
    for request_id in range(1, size + 1):
        state, _, path = STATES[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
        created = start + timedelta(seconds=(request_id - 1) * step_seconds + rng.randrange(600))
        session = sessions[rng.randrange(len(sessions))]
        organisation = organisations[rng.randrange(len(organisations))]
        funding = "personal" if rng.random() < 0.2 else "establishment"
        person = people[rng.randrange(len(people))]
        names.append(person.answers["last_name"])
        chosen = f'"session_code": "{session}", "funding_method": "{funding}", '
        chosen += f'"establishment": "{organisation}", '
        submitted = state != "draft"
        reference = None
        if submitted:
            numbers[session] = numbers.get(session, 0) + 1
            reference = f"{session}-{numbers[session]:04d}"
            references.append(reference)
            chosen_entries = (funding, organisation, person.answers["mandate"])
            if chosen_entries not in facets:
                answers = dict(
                    zip(("funding_method", "establishment", "mandate"), chosen_entries, strict=True)
                )
                facets[chosen_entries] = queue_columns(compiled, answers, None).facets
        submitted_at = created + timedelta(minutes=rng.randrange(5, 90)) if submitted else None
        moment = submitted_at or created
        answers_json = JsonText("{" + chosen + person.answers_json + "}")
        for step, transition in enumerate(path):
            moment = moment + timedelta(hours=rng.randrange(1, 24 * (1 + step)))
            rows.history.append({**histories[transition], "request_id": request_id, "at": moment})
            if transition in NOTIFYING:  # as the spec's notify actions do
                notified += 1
                rows.notifications.append(
                    {
                        "id": notified,
                        "request_id": request_id,
                        "dedupe_key": f"bench:{request_id}:{transition}",
                        "role": "registration_manager",
                        "message": f"{NOTIFYING[transition]} : demande {reference} de "
                        f"{person.name}.",
                        "created_at": moment,
                    }
                )
            if transition in MAILING:
                rows.mails.append(_mail(request_id, transition, person, session, reference, moment))
        row = {
            "id": request_id,
            "public_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "reference": reference,
            "workflow_id": WORKFLOW,
            "spec_hash": compiled.content_hash,
            "state": state,
            "state_entered_at": moment,
            "session_code": session,
            "answers": answers_json,
            "current_step": None if submitted else "trainee",
            "locale": "fr",
            "applicant_email": person.answers["email"] if submitted else None,
            "account_id": None,
            "draft_secret_hash": None if submitted else f"{rng.getrandbits(128):032x}",
            "version": 1 + len(path),
            "created_at": created,
            "updated_at": moment,
            "submitted_at": submitted_at,
            "applicant_name": person.name if submitted else None,
            "search_text": f"{_reference_words(reference)} {person.words}" if reference else None,
            "facets": facets[chosen_entries] if submitted else None,
        }
        if reference and request_id <= CHECKED:
            columns = queue_columns(compiled, json.loads(answers_json), reference)
            assert (columns.applicant_name, columns.search_text, columns.facets) == (
                row["applicant_name"],
                row["search_text"],
                row["facets"],
            ), (columns, row)
        rows.requests.append(row)
        if len(rows.requests) >= BATCH:
            yield rows
            rows = Rows([], [], [], [])
    yield rows


Writer = Callable[[Any, list[dict[str, Any]]], None]


def _insert_writer(connection: Connection) -> Writer:
    def write(model: Any, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            for name, value in row.items():
                if isinstance(value, JsonText):
                    row[name] = json.loads(value)
        if rows:
            connection.execute(insert(model), rows)

    return write


def _copy_writer(connection: Connection) -> Writer:
    """COPY ... FROM STDIN through psycopg, JSON columns serialised here."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]

    def write(model: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        table = model.__table__
        names = list(rows[0])
        as_json = [n for n in names if table.c[n].type._type_affinity.__name__ == "JSON"]
        quoted = ", ".join(f'"{n}"' for n in names)
        with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                for name in as_json:
                    value = row[name]
                    if value is not None and not isinstance(value, JsonText):
                        row[name] = json.dumps(value, ensure_ascii=False)
                copy.write_row(tuple(row[n] for n in names))

    return write


# The tables the generator fills in bulk: on PostgreSQL their plain indexes (those not behind a
# primary key or a unique constraint) are dropped before and built again after.
BULK_TABLES = ("requests", "request_history", "notifications", "notification_reads", "outbox")


@contextmanager
def _indexes_built_after(connection: Connection) -> Iterator[None]:
    if connection.dialect.name != "postgresql":
        yield
        return
    indexes = connection.execute(
        text(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE t.relname = ANY(:tables) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
        ),
        {"tables": list(BULK_TABLES)},
    ).all()
    for name, _ in indexes:
        connection.execute(text(f'DROP INDEX "{name}"'))
    # Foreign keys are checked by triggers, row by row; the data is consistent by making. The
    # triggers that keep request_counts are off too: the counts are made once at the end.
    connection.execute(text("SET session_replication_role = replica"))
    yield
    connection.execute(text("SET session_replication_role = DEFAULT"))
    connection.execute(text("DELETE FROM request_counts"))
    connection.execute(
        text(
            "INSERT INTO request_counts (workflow_id, state, session_code, n) "
            "SELECT workflow_id, state, coalesce(session_code, ''), count(*) FROM requests "
            "GROUP BY workflow_id, state, coalesce(session_code, '')"
        )
    )
    connection.execute(text("SET maintenance_work_mem = '256MB'"))
    for _, definition in indexes:
        connection.execute(text(definition))
    for table in ("requests", "notifications"):
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        )


def fill(engine: Engine, compiled: CompiledWorkflow, size: int, seed: int = 7) -> Fixture:
    """Writes `size` requests (with their history, notifications and mails) into a prepared,
    empty database."""
    began, cpu = time.perf_counter(), time.process_time()
    rng = random.Random(seed)
    sessions = _sessions(rng)
    organisations = _organisations(compiled, rng)
    names: list[str] = []
    references: list[str] = []
    numbers: dict[str, int] = {}
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
        with _indexes_built_after(connection):
            postgres = connection.dialect.name == "postgresql"
            write = _copy_writer(connection) if postgres else _insert_writer(connection)
            notified = 0
            for rows in generate(
                compiled,
                size,
                rng,
                [s["code"] for s in sessions],
                [o["entry_id"] for o in organisations],
                names,
                references,
                numbers,
            ):
                notified += len(rows.notifications)
                write(RequestRow, rows.requests)
                write(HistoryRow, rows.history)
                write(Notification, rows.notifications)
                write(OutboxMail, rows.mails)
            # The manager has read every notification but the last 20, page by page.
            read_through = max(0, notified - 20)
            connection.execute(
                insert(NotificationRead).from_select(
                    ["notification_id", "account_id", "read_at"],
                    select(Notification.id, literal(manager_id), literal(NOW, UTCDateTime())).where(
                        Notification.id <= read_through
                    ),
                )
            )
            connection.execute(
                insert(NotificationWatermark).values(
                    account_id=manager_id, role="registration_manager", read_through=read_through
                )
            )
        if numbers:
            connection.execute(
                insert(Counter),
                [{"name": f"reference:{k}", "value": v} for k, v in numbers.items()],
            )
    if engine.dialect.name == "postgresql":  # as autovacuum would do
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in BULK_TABLES:
                connection.execute(text(f"VACUUM ANALYZE {table}"))
    # A family name that a few dozen requests share at 100,000 (one in 120 names), and a
    # reference from the middle.
    frequency = Frequencies(names)
    family = sorted(frequency, key=lambda name: (frequency[name], name))[len(frequency) // 2]
    return Fixture(
        [s["code"] for s in sessions],
        [o["entry_id"] for o in organisations],
        family,
        references[len(references) // 2] if references else "",
        time.perf_counter() - began,
        time.process_time() - cpu,
    )


def _history(transition: str, transitions: dict[str, Any]) -> dict[str, Any]:
    """A history row of this transition, but its request and moment."""
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
        "transition": transition,
        "from_state": spec.source[0],
        "to_state": spec.to or spec.source[0],
        "actor_kind": kind,
        "actor_name": MANAGER if kind == "user" else "",
        "role": "registration_manager" if kind == "user" else None,
        "comment": "Dossier incomplet." if transition == "reject" else None,
    }
