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

On PostgreSQL the rows go through COPY from one process per core, each writing rounds of
requests of its own, with the big tables' indexes dropped first and built again at the end,
side by side (what a bulk load does); on SQLite, through multi-row INSERTs in one
transaction."""

from __future__ import annotations

import bisect
import itertools
import json
import multiprocessing
import operator
import os
import random
import resource
import time
import unicodedata
import uuid
from array import array
from collections import Counter as Frequencies
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, literal, select, text

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


class JsonText(str):
    """A JSON document already serialised (COPY takes it as is; INSERT parses it back)."""


@dataclass(frozen=True, slots=True)
class Applicant:
    """One of the people the requests are drawn from, with what is computed once per person:
    the answers but the session, funding and organisation (as JSON text, without its braces),
    the name as the queue shows it and the name and email as its search words hold them."""

    answers: dict[str, Any]
    answers_json: str
    name: str
    words: str
    to_json: JsonText  # the mails' recipients


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
        JsonText(json.dumps([email])),
    )


def _reference_words(reference: str) -> str:
    """normalise_search of a reference (`26C03S1-0042` → `26c03s1 0042`), the cheap way."""
    return reference.lower().replace("-", " ")


# The transitions whose actions mail the applicant: the template and its subject.
# The transitions whose actions mail the applicant: the template and its subject.
MAILING = {
    "submit": ("confirm_email", "Confirmez votre adresse e-mail"),
    "reject": ("rejected", "Votre demande n'a pas été retenue"),
    "cancel_by_applicant": ("cancellation_confirmed", "Votre demande est annulée"),
}
BATCH = 10_000  # requests per round of writes
APPLICANTS = 20_000  # distinct people the requests are drawn from
CHECKED = 200  # requests whose cheap queue columns are compared with queue_columns
NO_JSON_LIST = "[]"


@dataclass
class Fixture:
    sessions: list[str]
    organisations: list[str]  # entry ids of the reference list
    search_name: str  # a family name to search for
    reference: str  # a reference to search for
    seconds: float = 0.0  # how long writing took (indexes built, tables analysed)
    cpu_seconds: float = 0.0  # of that, the CPU the generating processes used
    phases: dict[str, float] = field(default_factory=dict)  # seconds, in order


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
        "to": person.to_json,
        "cc": JsonText(NO_JSON_LIST),
        "subject": f"{subject} ({reference})",
        "text": body,
        "html": "<p>" + body.replace("\n\n", "</p><p>") + "</p>",
        "attachments": JsonText(NO_JSON_LIST),
        "status": "sent",
        "attempts": 1,
        "next_attempt_at": moment,
        "lease_until": None,
        "last_error": None,
        "redirected_to": None,
        "created_at": moment,
        "sent_at": moment + timedelta(seconds=5),
    }


@dataclass
class Plan:
    """What is drawn for every request before any row is written, so that the rounds can be
    written in any order, by several processes: each request's state and session, its
    reference number in the session, and each round's first notification id. The rest of a
    round (dates, organisation, applicant...) is drawn from a generator seeded by its number."""

    compiled: CompiledWorkflow
    size: int
    seed: int
    sessions: list[str]
    organisations: list[str]
    people: list[Applicant]
    states: array  # index in STATES, per request (request id - 1)
    session_of: array  # index in sessions
    numbers: array  # reference number in its session (0 for a draft)
    first_notification: list[int]  # per round: the id before its first notification

    @property
    def rounds(self) -> int:
        return -(-self.size // BATCH)

    def reference(self, index: int) -> str | None:
        number = self.numbers[index]
        return f"{self.sessions[self.session_of[index]]}-{number:04d}" if number else None

    def middle_reference(self) -> str:
        """The reference of the submitted request halfway through (in id order)."""
        submitted = [i for i in range(self.size) if self.numbers[i]]
        if not submitted:
            return ""
        return self.reference(submitted[len(submitted) // 2]) or ""


def plan(
    compiled: CompiledWorkflow,
    size: int,
    seed: int,
    sessions: list[str],
    organisations: list[str],
) -> Plan:
    weights = [share for _, share, _ in STATES]
    cumulative = list(itertools.accumulate(weights))
    notifying = [sum(t in NOTIFYING for t in path) for _, _, path in STATES]
    people_rng, shape_rng = random.Random(f"{seed}:people"), random.Random(f"{seed}:shape")
    people = [_applicant(people_rng) for _ in range(min(APPLICANTS, max(size, 1)))]
    states, session_of, numbers = array("b"), array("b"), array("i")
    counters = [0] * len(sessions)
    first_notification: list[int] = []
    notified = 0
    pick = shape_rng.random
    for index in range(size):
        if index % BATCH == 0:
            first_notification.append(notified)
        state = bisect.bisect(cumulative, pick() * cumulative[-1])
        session = int(pick() * len(sessions))
        states.append(state)
        session_of.append(session)
        if STATES[state][0] != "draft":
            counters[session] += 1
            numbers.append(counters[session])
        else:
            numbers.append(0)
        notified += notifying[state]
    return Plan(
        compiled,
        size,
        seed,
        sessions,
        organisations,
        people,
        states,
        session_of,
        numbers,
        first_notification,
    )


def generate_round(plan: Plan, number: int) -> tuple[Rows, Frequencies[str]]:
    """The requests of one round with their history, notifications and mails, and how often
    each family name appears in it. The queue columns are put together from pieces computed
    once; the first CHECKED requests are checked against `queue_columns`, as submission
    writes them."""
    compiled, people, organisations = plan.compiled, plan.people, plan.organisations
    rng = random.Random(f"{plan.seed}:round:{number}")
    pick, bits = rng.random, rng.getrandbits
    labels = {t.id: t for t in compiled.spec.process.transitions}
    histories = {t: _history(t, labels) for t in labels}
    start = NOW - timedelta(days=730)
    step_seconds = 730 * 86400 / max(plan.size, 1)
    rows = Rows([], [], [], [])
    names: Frequencies[str] = Frequencies()
    notified = plan.first_notification[number]
    first = number * BATCH + 1
    for request_id in range(first, min(first + BATCH, plan.size + 1)):
        index = request_id - 1
        state, _, path = STATES[plan.states[index]]
        session = plan.sessions[plan.session_of[index]]
        created = start + timedelta(seconds=index * step_seconds + int(pick() * 600))
        organisation = organisations[int(pick() * len(organisations))]
        funding = "personal" if pick() < 0.2 else "establishment"
        person = people[int(pick() * len(people))]
        names[person.answers["last_name"]] += 1
        chosen = f'"session_code": "{session}", "funding_method": "{funding}", '
        chosen += f'"establishment": "{organisation}", '
        reference = plan.reference(index)
        submitted = reference is not None
        facets = None
        if submitted:
            facets = _facets(compiled, funding, organisation, person.answers["mandate"])
        submitted_at = created + timedelta(minutes=5 + int(pick() * 85)) if submitted else None
        moment = submitted_at or created
        answers_json = JsonText("{" + chosen + person.answers_json + "}")
        for step, transition in enumerate(path):
            moment = moment + timedelta(hours=1 + int(pick() * (24 * (1 + step) - 1)))
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
            "public_id": str(uuid.UUID(int=bits(128), version=4)),
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
            "draft_secret_hash": None if submitted else f"{bits(128):032x}",
            "version": 1 + len(path),
            "created_at": created,
            "updated_at": moment,
            "submitted_at": submitted_at,
            "applicant_name": person.name if submitted else None,
            "search_text": f"{_reference_words(reference)} {person.words}" if reference else None,
            "facets": facets,
        }
        if reference and request_id <= CHECKED:
            columns = queue_columns(compiled, json.loads(answers_json), reference)
            assert (columns.applicant_name, columns.search_text, columns.facets) == (
                row["applicant_name"],
                row["search_text"],
                row["facets"],
            ), (columns, row)
        rows.requests.append(row)
    return rows, names


_FACETS: dict[tuple[str, str, str], str] = {}  # by the entries chosen, in each process


def _facets(compiled: CompiledWorkflow, funding: str, organisation: str, mandate: str) -> str:
    key = (funding, organisation, mandate)
    found = _FACETS.get(key)
    if found is None:
        answers = dict(zip(("funding_method", "establishment", "mandate"), key, strict=True))
        found = _FACETS[key] = queue_columns(compiled, answers, None).facets or ""
    return found


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


def _copy_writer(connection: Any) -> Writer:
    """COPY ... FROM STDIN through a psycopg connection; JSON columns hold JsonText (or
    are serialised here)."""
    cursor = connection.cursor()

    def write(model: Any, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        table = model.__table__
        names = list(rows[0])
        as_json = [
            n
            for n in names
            if table.c[n].type._type_affinity.__name__ == "JSON"
            and not isinstance(rows[0][n], JsonText)
        ]
        values = operator.itemgetter(*names)
        quoted = ", ".join(f'"{n}"' for n in names)
        with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                for name in as_json:
                    value = row[name]
                    if value is not None and not isinstance(value, JsonText):
                        row[name] = json.dumps(value, ensure_ascii=False)
                copy.write_row(values(row))

    return write


def _write_round(write: Writer, rows: Rows) -> None:
    write(RequestRow, rows.requests)
    write(HistoryRow, rows.history)
    write(Notification, rows.notifications)
    write(OutboxMail, rows.mails)


# The tables the generator fills in bulk: on PostgreSQL their plain indexes (those not behind a
# primary key or a unique constraint) are dropped before and built again after.
BULK_TABLES = ("requests", "request_history", "notifications", "notification_reads", "outbox")

# Set in each writing process (fork): the plan and its connection.
_PLAN: Plan | None = None
_CONNECTION: Any = None


def _start_writer(conninfo: str) -> None:
    global _CONNECTION
    import psycopg  # the driver of PostgreSQL URLs; only the writing processes use it bare

    _CONNECTION = psycopg.connect(conninfo)
    # Foreign keys are checked by triggers, row by row; the data is consistent by making. The
    # triggers that keep request_counts are off too: the counts are made once at the end.
    _CONNECTION.execute("SET session_replication_role = replica")
    _CONNECTION.commit()


def _write_round_here(number: int) -> tuple[Frequencies[str], int]:
    """In a writing process: generate one round and COPY it, in a transaction of its own."""
    assert _PLAN is not None and _CONNECTION is not None
    rows, names = generate_round(_PLAN, number)
    _write_round(_copy_writer(_CONNECTION), rows)
    _CONNECTION.commit()
    return names, len(rows.notifications)


def _write_in_processes(engine: Engine, plan_: Plan, processes: int) -> Frequencies[str]:
    """Rounds spread over several processes (forked: they share the plan), each COPYing
    its rounds on a connection of its own."""
    global _PLAN
    _PLAN = plan_
    conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    names: Frequencies[str] = Frequencies()
    context = multiprocessing.get_context("fork")
    with context.Pool(processes, initializer=_start_writer, initargs=(conninfo,)) as pool:
        for found, _ in pool.imap_unordered(_write_round_here, range(plan_.rounds)):
            names.update(found)
        pool.close()
        pool.join()
    _PLAN = None
    return names


def _plain_indexes(connection: Connection) -> list[tuple[str, str, str]]:
    """(table, index, its definition) of the bulk tables' indexes that no constraint owns."""
    return [
        (table, name, definition)
        for table, name, definition in connection.execute(
            text(
                "SELECT t.relname, c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
                "WHERE t.relname = ANY(:tables) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
            ),
            {"tables": list(BULK_TABLES)},
        )
    ]


def _in_parallel(engine: Engine, statements: list[str], processes: int) -> None:
    """Statements run side by side, each on a connection of its own (the server works; these
    threads wait)."""

    def run(statement: str) -> None:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SET maintenance_work_mem = '256MB'"))
            connection.execute(text(statement))

    with ThreadPoolExecutor(max(1, processes)) as pool:
        for _ in pool.map(run, statements):
            pass


def _finish_postgres(connection: Connection) -> None:
    connection.execute(text("DELETE FROM request_counts"))
    connection.execute(
        text(
            "INSERT INTO request_counts (workflow_id, state, session_code, n) "
            "SELECT workflow_id, state, coalesce(session_code, ''), count(*) FROM requests "
            "GROUP BY workflow_id, state, coalesce(session_code, '')"
        )
    )
    for table in ("requests", "notifications"):
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        )


def fill(
    engine: Engine,
    compiled: CompiledWorkflow,
    size: int,
    seed: int = 7,
    processes: int | None = None,
) -> Fixture:
    """Writes `size` requests (with their history, notifications and mails) into a prepared,
    empty database. On PostgreSQL, `processes` processes (one per core by default) generate
    and COPY the rounds side by side; the plain indexes are built after, side by side too."""
    began, cpu = time.perf_counter(), _cpu_seconds()
    processes = processes or os.cpu_count() or 1
    rng = random.Random(seed)
    sessions = _sessions(rng)
    organisations = _organisations(compiled, rng)
    postgres = engine.dialect.name == "postgresql"
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
        indexes = _plain_indexes(connection) if postgres else []
        for _, name, _ in indexes:
            connection.execute(text(f'DROP INDEX "{name}"'))
    phases: dict[str, float] = {}
    lap = time.perf_counter()

    def done(phase: str) -> None:
        nonlocal lap
        phases[phase] = time.perf_counter() - lap
        lap = time.perf_counter()

    made = plan(
        compiled,
        size,
        seed,
        [s["code"] for s in sessions],
        [o["entry_id"] for o in organisations],
    )
    done("plan")
    names: Frequencies[str] = Frequencies()
    if postgres:
        names = _write_in_processes(engine, made, processes)
    else:
        with engine.begin() as connection:
            write = _insert_writer(connection)
            for number in range(made.rounds):
                rows, found = generate_round(made, number)
                _write_round(write, rows)
                names.update(found)
    done("rows")
    with engine.begin() as connection:
        notified = connection.execute(select(func.count()).select_from(Notification)).scalar_one()
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
        if postgres:
            _finish_postgres(connection)
        counters = Frequencies(
            made.sessions[made.session_of[i]] for i in range(size) if made.numbers[i]
        )
        if counters:
            connection.execute(
                insert(Counter),
                [{"name": f"reference:{k}", "value": v} for k, v in counters.items()],
            )
    if postgres:
        # The biggest indexes first, two at a time; then VACUUM ANALYZE, as autovacuum would.
        order = {table: rank for rank, table in enumerate(BULK_TABLES)}
        statements = [d for t, _, d in sorted(indexes, key=lambda i: order[i[0]])]
        done("reads and counts")
        _in_parallel(engine, statements, processes)
        done("indexes")
        _in_parallel(engine, [f"VACUUM ANALYZE {table}" for table in BULK_TABLES], processes)
        done("vacuum")
    # A family name that a few dozen requests share at 100,000 (one in 120 names), and a
    # reference from the middle.
    family = sorted(names, key=lambda name: (names[name], name))[len(names) // 2]
    return Fixture(
        made.sessions,
        made.organisations,
        family,
        made.middle_reference(),
        time.perf_counter() - began,
        _cpu_seconds() - cpu,
        phases,
    )


def _cpu_seconds() -> float:
    """CPU of this process and of the writing processes it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


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
