"""HTTP benchmark of one wizard step of the product against hand-written FastAPI baselines.

Measures throughput (requests/s) and p99 latency, at N concurrent clients (default 32), of

* GET  /inscription/26C03S1/etape/trainee  (the "trainee" step page: 7 fields, 200), and
* POST /inscription/26C03S1/etape/trainee  (validate + save the step, answered by a 303),

for three servers started by this script, each in its own process and with its own SQLite file:

1. product        `app.factory.create_app` on a fresh data dir, demo seed loaded (as `onboarding
                  serve` would run it, but with an explicit engine and settings);
2. baseline def   a minimal FastAPI app written below doing the same work with synchronous
                  `def` endpoints (run by Starlette in its thread pool);
3. baseline async the same app with `async def` endpoints that call the blocking SQLite
                  database directly in the event loop (no thread pool hop at all), as the
                  product's handlers do: the like-for-like baseline.

"The same work" for the baselines: the same 7 fields (civility, first/last name, e-mail and its
confirmation, postal code, phone, expectations) validated the same way (`email_validator` without
deliverability check, `phonenumbers` region FR stored in E.164, 5-digit postal code, lengths),
a Jinja2 template rendering the 7 inputs with their labels and stored values, a CSRF token kept
in Starlette's signed-cookie session (as the product does), a SQLAlchemy ORM row with a JSON
`answers` column and a `version` column (`version_id_col`, so each UPDATE checks the version),
looked up by the draft cookie; GET reads the row and renders it; POST parses the form, validates,
UPDATEs the row in one transaction and answers 303. Transactions start as the product's do on
SQLite (engine/store/db.py, web/deps.py): an explicit BEGIN for GET, BEGIN IMMEDIATE for POST
(`--baseline-begin deferred` shows what a deferred BEGIN does to the POST: "database is locked"
500s with the thread pool, since a WAL reader cannot become a writer after another connection
committed). SQLite settings equal the product's: one file, WAL, synchronous=NORMAL,
busy_timeout 30 s, the default SQLAlchemy pool. Every server runs under uvicorn with 1 worker,
uvloop and httptools, log level "warning", no access log, Starlette's default thread pool (40
threads).

Load generator: `wrk` (C, epoll), chosen because a Python client would need about as much CPU
per request as the server itself and, on this 2-core machine, would steal the core the server
needs; wrk spends a few percent of one core at these rates. It runs with one thread per
connection (`-t N -c N`) so that each connection has its own Lua state and therefore its own
cookie set (its own draft): no two requests ever work on the same draft at the same time,
exactly like N browsers. A Lua `response()` hook counts status codes (anything but 200 for GET
/ 303 for POST is reported), `done()` prints the request count, the duration and the latency
percentiles of wrk's own histogram (p99 is read from it). Install wrk with
`apt-get update && apt-get install -y wrk`.

Pinning: none by default; `--pin` pins the servers to CPU 0 and wrk to CPU 1 with `taskset`.
Pinning did not give steadier figures here, and it changes what is measured: on a single core,
thread-pool hand-offs are cheaper (baseline def GET: 0.85 ms of server CPU per request pinned,
1.0-1.5 ms unpinned, its threads then fighting over the GIL from both cores), while the
single-threaded `async def` server loses when other work is scheduled on its core. Unpinned is
how one worker runs in production on such a machine, and wrk needs only 2-10 % of a core, so it
hardly competes with the server. Both sets of figures are in bench/README.md.

Noise: the script measures, for each run, the CPU used by the server process (/proc/PID/stat),
by wrk (getrusage of children) and by the whole machine (/proc/stat); the table shows the
server's CPU per request (a figure much less sensitive to other load than req/s) and the CPU
used meanwhile by other processes, and warns when that exceeds a quarter of a core.

Procedure: start the three servers, create N drafts per server through HTTP (for the product,
the real wizard flow: session code, funding, establishment steps), warm each scenario up
(`--warmup` s), then `--runs` rounds of `--duration` s per scenario, interleaved (round 1 of
every scenario, then round 2...) so that drift of the machine spreads over all of them. The table
shows the median req/s and the median p99 over the rounds, the min-max of req/s, the ratio of
req/s to baseline def and to baseline async, and the unexpected answers. The servers' logs are
then scanned for errors (tracebacks, "database is locked") and the saved rows are checked: each
POST bumps the row's version once, so the versions' total growth must match the 303 answers
(give or take the requests in flight when wrk stops, which it does not count).

Run from the project root:  .venv/bin/python bench/web_bench.py [--duration 5] [--runs 3]
[--warmup 2] [--connections 32] [--pin]; about 2 minutes with the defaults.
Writes only in a temporary directory, removed at the end."""

import argparse
import http.client
import json
import os
import re
import resource
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
CODE = "26C03S1"
BASE = f"/inscription/{CODE}"
STEP_PATH = f"{BASE}/etape/trainee"
NEXT_STEP = "mandate"
THROUGHPUT_AIM = 0.8
WORKERS_AIM = 1.7  # N processes against one, for N = 2
P99_AIM_MS = 150.0
PRODUCT_POOL = 20  # connections per product process on PostgreSQL (see start_server)
SEVERAL_POOL = 10  # connections per process of a server with several, on PostgreSQL
BUSY_WARNING = 25.0  # % of one core used by other processes, above which figures are noisy

TRAINEE_FORM = {
    "_nav": "next",
    "_shown": "civility,first_name,last_name,email,postal_code,phone,expectations",
    "civility": "mme",
    "first_name": "Camille",
    "last_name": "Martin",
    "email": "camille.martin@example.org",
    "email__confirm": "camille.martin@example.org",
    "postal_code": "69001",
    "phone": "06 12 34 56 78",
    "expectations": "Mieux comprendre",
}
# The answers of the steps before "trainee", as the product stores them.
EARLIER_ANSWERS = {
    "session_code": CODE,
    "funding_method": "establishment",
    "establishment": "ville_lyon",
}
APPS = ["baseline-def", "baseline-async", "product"]
LABELS = {"baseline-def": "baseline def", "baseline-async": "baseline async", "product": "product"}
# Servers run with more than one process (`--workers N` adds "baseline-def-xN" and
# "product-xN"), by kind.
WORKERS: dict[str, int] = {}
CSRF_RE = re.compile(r'name="_csrf" value="([^"]+)"')
# The product's security headers (web/app.py), copied by hand: set-up checks that both send them.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


# =============================================================================================
# The servers (run in a child process: `web_bench.py --serve KIND --port P --data-dir D`)
# =============================================================================================


def serve(kind: str, port: int, data_dir: Path, begin: str, database_url: str) -> None:
    import logging

    import uvicorn

    # Errors the apps log (the product's 500 handler logs the traceback) reach the log file.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    options: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "log_level": "warning",
        "access_log": False,
        "loop": "uvloop",
        "http": "httptools",
    }
    workers = WORKERS.get(kind, 1)
    if kind.startswith("product"):
        app = product_app(port, data_dir, database_url)
        if workers > 1:
            # As `onboarding serve --workers N` runs them: each process builds its app from
            # the environment (set by start_server), on the database prepared above.
            uvicorn.run(
                "app.factory:app_from_environment", factory=True, workers=workers, **options
            )
            return
    else:
        url = database_url or f"sqlite:///{(data_dir / 'baseline.sqlite3').as_posix()}"
        app = baseline_app(url, async_style=kind == "baseline-async", begin=begin)
        if workers > 1:
            # Tables and session made above, once; each process builds its app from the
            # environment (set by start_server), as the product's do.
            app.state.engine.dispose()
            uvicorn.run(
                "web_bench:baseline_from_environment",
                factory=True,
                workers=workers,
                app_dir=str(Path(__file__).resolve().parent),
                **options,
            )
            return
    uvicorn.run(app, workers=1, **options)


def product_app(port: int, data_dir: Path, database_url: str = "") -> Any:
    from app.factory import create_app, make_runtime
    from engine.config import AppSettings
    from engine.service.seed import load_seed, read_seed
    from engine.service.setup import prepare_database
    from engine.store.db import make_engine, make_session_factory

    settings = AppSettings(
        project_dir=ROOT,
        data_dir=data_dir,
        base_url=f"http://127.0.0.1:{port}",
        database_url=database_url,
    )
    runtime = make_runtime(settings)
    engine = make_engine(settings.resolved_database_url(), **settings.engine_options())
    prepare_database(engine, runtime.registry)
    with make_session_factory(engine)() as db:
        seed = read_seed(ROOT / "demo" / "onboarding.yaml")
        load_seed(db, runtime.registry, seed, settings.zone)
        db.commit()
    app = create_app(settings, runtime=runtime, engine=engine)
    # As `onboarding serve` has it once its first page is answered: every route included, fonts
    # read, the process's long-lived objects out of the garbage collector's reach.
    from app.warm_up import warm_up

    warm_up(app)
    return app


# -- the baseline: the same step written by hand ----------------------------------------------

BASELINE_PAGE = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} — Inscription en ligne</title>
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<header class="site-header"><a href="/">HGI</a> <span>Inscription en ligne</span></header>
<main id="main" class="page">
<div class="wizard-head">
<p class="wizard-head__workflow">Inscription à une formation</p>
<h1 class="wizard-head__session">{{ session.title }}</h1>
<p class="wizard-head__dates">{{ dates }}</p>
{% if session.place %}<p class="muted">Lieu : {{ session.place }}</p>{% endif %}
</div>
<p class="progress">Étape 4 sur 9</p>
<h1>{{ title }}</h1>
{% if errors %}
<div class="error-summary" role="alert"><ul>
{% for name, message in errors.items() %}
<li><a href="#{{ name }}">{{ message }}</a></li>
{% endfor %}
</ul></div>
{% endif %}
<form method="post" action="{{ action }}" novalidate>
<input type="hidden" name="_csrf" value="{{ csrf }}">
<input type="hidden" name="_shown" value="{{ shown }}">
{% for f in fields %}
<div class="field field--{{ f.kind }}">
{% if f.kind == "radio" %}
<fieldset><legend>{{ f.label }}{% if f.required %} *{% endif %}</legend>
{% for value, text in f.choices %}
<input type="radio" id="{{ f.name }}-{{ value }}" name="{{ f.name }}" value="{{ value }}"
{%- if f.value == value %} checked{% endif %}>
<label for="{{ f.name }}-{{ value }}">{{ text }}</label>
{% endfor %}
</fieldset>
{% else %}
<label for="{{ f.name }}">{{ f.label }}{% if f.required %} *{% endif %}</label>
{% if f.hint %}<p class="hint" id="{{ f.name }}-hint">{{ f.hint }}</p>{% endif %}
{% if f.kind == "textarea" %}
<textarea id="{{ f.name }}" name="{{ f.name }}" rows="4" maxlength="{{ f.max_length }}">
{{- f.value }}</textarea>
{% else %}
<input type="{{ f.kind }}" id="{{ f.name }}" name="{{ f.name }}" value="{{ f.value }}"
{%- if f.max_length %} maxlength="{{ f.max_length }}"{% endif %}
{%- if f.required %} aria-required="true"{% endif %}>
{% endif %}
{% if f.confirm %}
<label for="{{ f.name }}__confirm">{{ f.confirm }} *</label>
<input type="{{ f.kind }}" id="{{ f.name }}__confirm" name="{{ f.name }}__confirm"
 value="{{ f.confirm_value }}">
{% endif %}
{% endif %}
{% if f.error %}<p class="field__error">{{ f.error }}</p>{% endif %}
</div>
{% endfor %}
<button type="submit" name="_nav" value="next">Étape suivante</button>
</form>
</main>
<footer class="site-footer">HGI — Formation et information des élus</footer>
</body>
</html>
"""

# (name, label, kind, required, max length, hint, confirmation label)
BASELINE_FIELDS: list[tuple[str, str, str, bool, int, str, str]] = [
    ("civility", "Civilité", "radio", True, 0, "", ""),
    ("first_name", "Prénom", "text", True, 100, "", ""),
    ("last_name", "Nom de famille", "text", True, 100, "", ""),
    (
        "email",
        "Adresse électronique",
        "email",
        True,
        0,
        "Les courriels relatifs à votre demande vous seront envoyés à cette adresse.",
        "Confirmer votre courriel",
    ),
    ("postal_code", "Code postal", "text", True, 5, "", ""),
    ("phone", "Téléphone", "tel", True, 0, "", ""),
    (
        "expectations",
        "Merci de préciser vos attentes à propos de cette formation.",
        "textarea",
        False,
        3000,
        "",
        "",
    ),
]
CIVILITIES = {"m": "M.", "mme": "Mme"}
POSTAL_CODE = re.compile(r"[0-9]{5}")


FRENCH_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
FRENCH_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def french_moment(moment: datetime) -> str:
    """ "vendredi 2 octobre 2026, 11:00", as the product writes it (written by hand here)."""
    day, month = FRENCH_DAYS[moment.weekday()], FRENCH_MONTHS[moment.month - 1]
    return f"{day} {moment.day} {month} {moment.year}, {moment:%H:%M}"


def demo_moment(days: int, hour: int, minute: int) -> datetime:
    """A moment of demo/onboarding.yaml ("+31d 11:00": 31 days after the load day, local time),
    so that the baseline shows the same session dates as the product's seeded demo."""
    today = datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=days)
    return datetime(today.year, today.month, today.day, hour, minute)


# The seeded session the product's page shows in its header, as the baseline stores it.
BASELINE_SESSION = {
    "code": CODE,
    "title": (
        "Transformer le patrimoine communal: stratégies et actions pour rénover, agrandir,"
        " mutualiser"
    ),
    "starts_at": demo_moment(31, 11, 0),
    "ends_at": demo_moment(31, 12, 15),
    "place": "HGI, 12 rue de la République, 69002 Lyon — salle Rhône",
    "capacity": 25,
}


def baseline_from_environment() -> Any:
    """The baseline def app of one of several processes (`--workers N`), on the database its
    parent prepared."""
    return baseline_app(
        os.environ["WEB_BENCH_BASELINE_URL"],
        async_style=False,
        begin=os.environ["WEB_BENCH_BASELINE_BEGIN"],
        prepare=False,
        secret=os.environ["WEB_BENCH_BASELINE_SECRET"],
    )


def baseline_app(
    url: str,
    *,
    async_style: bool,
    begin: str = "immediate",
    prepare: bool = True,
    secret: str = "",
) -> Any:
    import phonenumbers
    from email_validator import EmailNotValidError, validate_email
    from fastapi import Depends, FastAPI, Request
    from fastapi.responses import HTMLResponse, RedirectResponse, Response
    from jinja2 import DictLoader, Environment, StrictUndefined
    from sqlalchemy import JSON, DateTime, Integer, String, create_engine, event, select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
    from starlette.datastructures import FormData
    from starlette.middleware.sessions import SessionMiddleware

    class Base(DeclarativeBase):
        pass

    class TrainingSession(Base):
        __tablename__ = "training_sessions"

        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        code: Mapped[str] = mapped_column(String(64), unique=True)
        title: Mapped[str] = mapped_column(String(300))
        starts_at: Mapped[datetime] = mapped_column(DateTime)
        ends_at: Mapped[datetime] = mapped_column(DateTime)
        place: Mapped[str] = mapped_column(String(300))
        capacity: Mapped[int] = mapped_column(Integer)

    class Draft(Base):
        __tablename__ = "drafts"

        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        token: Mapped[str] = mapped_column(String(80), unique=True)
        answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
        current_step: Mapped[str] = mapped_column(String(64))
        version: Mapped[int] = mapped_column(Integer, default=1)
        updated_at: Mapped[datetime] = mapped_column(DateTime)

        __mapper_args__ = {"version_id_col": version}

    # As many connections as the product's processes have (below 100 in all on PostgreSQL).
    pool_size = int(os.environ.get("WEB_BENCH_BASELINE_POOL", "36"))
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=0,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we send BEGIN ourselves (below)
            cursor = dbapi_connection.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql(connection.get_execution_options().get("begin", "BEGIN"))

    else:  # PostgreSQL: its own BEGIN; the version column refuses a stale UPDATE
        engine = create_engine(
            url.replace("postgresql://", "postgresql+psycopg://", 1),
            pool_size=pool_size,
            max_overflow=0,
        )

    if prepare:
        Base.metadata.create_all(engine)
        with Session(engine) as db:
            db.add(TrainingSession(**BASELINE_SESSION))
            db.commit()
    # Read as a hand-written app reads what its header shows: one statement, plain columns.
    session_query = select(
        TrainingSession.title, TrainingSession.starts_at, TrainingSession.ends_at,
        TrainingSession.place,
    ).where(TrainingSession.code == CODE)  # fmt: skip
    sessions = sessionmaker(engine, expire_on_commit=False)
    # The POST's transaction reads the row, then writes it. With a deferred BEGIN, SQLite (WAL)
    # refuses the write at once ("database is locked", busy_timeout does not apply) when another
    # connection committed since the read; BEGIN IMMEDIATE takes the write lock first instead.
    writes = sessionmaker(
        engine.execution_options(begin=f"BEGIN {begin.upper()}"), expire_on_commit=False
    )
    environment = Environment(
        loader=DictLoader({"step.html": BASELINE_PAGE}),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = environment.get_template("step.html")
    cookie = f"draft_{CODE}"

    def find_draft(request: Request, db: Session) -> Draft | None:
        token = request.cookies.get(cookie)
        if not token or len(token) > 80:
            return None
        return db.execute(select(Draft).where(Draft.token == token)).scalar_one_or_none()

    def csrf_token(request: Request) -> str:
        token = request.session.get("csrf")
        if not isinstance(token, str):
            token = request.session["csrf"] = secrets.token_urlsafe(24)
        return token

    def csrf_ok(request: Request, sent: object) -> bool:
        token = request.session.get("csrf")
        return (
            isinstance(token, str) and isinstance(sent, str) and secrets.compare_digest(token, sent)
        )

    def render(
        request: Request,
        session: Any,
        values: dict[str, str],
        errors: dict[str, str],
        status: int = 200,
    ) -> HTMLResponse:
        fields = [
            {
                "name": name,
                "label": label,
                "kind": kind,
                "required": required,
                "max_length": max_length,
                "hint": hint,
                "confirm": confirm,
                "value": values.get(name, ""),
                "confirm_value": values.get(name + "__confirm", values.get(name, "")),
                "choices": list(CIVILITIES.items()),
                "error": errors.get(name) or errors.get(name + "__confirm", ""),
            }
            for name, label, kind, required, max_length, hint, confirm in BASELINE_FIELDS
        ]
        html = template.render(
            session=session,
            dates=f"Du {french_moment(session.starts_at)} au {french_moment(session.ends_at)}",
            title="Informations sur le stagiaire",
            action=STEP_PATH,
            csrf=csrf_token(request),
            shown=",".join(f[0] for f in BASELINE_FIELDS),
            fields=fields,
            errors=errors,
        )
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})

    def text(form: FormData, name: str) -> str:
        value = form.get(name)
        return value.strip()[:5000] if isinstance(value, str) else ""

    def validate(form: FormData) -> tuple[dict[str, str], dict[str, str]]:
        values: dict[str, str] = {}
        errors: dict[str, str] = {}
        civility = text(form, "civility")
        if civility in CIVILITIES:
            values["civility"] = civility
        else:
            errors["civility"] = "Choisissez une civilité."
        for name in ("first_name", "last_name"):
            value = text(form, name)
            if not value:
                errors[name] = "Ce champ est obligatoire."
            elif len(value) > 100:
                errors[name] = "100 caractères au plus."
            else:
                values[name] = value
        raw_email = text(form, "email")
        try:
            email = validate_email(raw_email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = "Adresse électronique invalide."
        else:
            if text(form, "email__confirm").lower() != raw_email.lower():
                errors["email__confirm"] = "Les deux adresses diffèrent."
            else:
                values["email"] = email
        postal_code = re.sub(r"\s", "", text(form, "postal_code"))
        if POSTAL_CODE.fullmatch(postal_code):
            values["postal_code"] = postal_code
        else:
            errors["postal_code"] = "Code postal à 5 chiffres."
        try:
            number = phonenumbers.parse(text(form, "phone")[:40], "FR")
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and phonenumbers.is_valid_number(number):
            values["phone"] = phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.E164
            )
        else:
            errors["phone"] = "Numéro de téléphone invalide."
        expectations = text(form, "expectations")
        if len(expectations) > 3000:
            errors["expectations"] = "3000 caractères au plus."
        elif expectations:
            values["expectations"] = expectations
        return values, errors

    # The work of each endpoint, shared by both styles: only the way it is called differs.

    def show_step(request: Request) -> Response:
        with sessions() as db:
            draft = find_draft(request, db)
            if draft is None:
                return RedirectResponse(BASE, status_code=303)
            values = {name: str(draft.answers.get(name, "")) for name, *_ in BASELINE_FIELDS}
            session = db.execute(session_query).one()
            db.rollback()  # end the read transaction
            return render(request, session, values, {})

    def save_step(request: Request, form: FormData) -> Response:
        with writes() as db:
            draft = find_draft(request, db)
            if draft is None:
                return RedirectResponse(BASE, status_code=303)
            submitted = {name: text(form, name) for name in form if not name.startswith("_")}
            if not csrf_ok(request, form.get("_csrf")):
                session = db.execute(session_query).one()
                return render(request, session, submitted, {"_csrf": "Formulaire expiré."}, 400)
            values, errors = validate(form)
            if errors:
                return render(request, db.execute(session_query).one(), submitted, errors, 422)
            draft.answers = {**draft.answers, **values}
            draft.current_step = NEXT_STEP
            draft.updated_at = datetime.now(UTC).replace(tzinfo=None)
            db.commit()
        return RedirectResponse(f"{BASE}/etape/{NEXT_STEP}", status_code=303)

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.engine = engine
    headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    class SecurityHeaders:
        """The product's security headers on every answer (plain ASGI)."""

        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            async def send_with_headers(message: Any) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message.get("headers", []), *headers]
                await send(message)

            await self.app(scope, receive, send_with_headers)

    app.add_middleware(
        SessionMiddleware,
        secret_key=secret or secrets.token_urlsafe(32),  # shared by a server's processes
        session_cookie="baseline_session",
        max_age=14 * 86400,
        same_site="lax",
    )
    app.add_middleware(SecurityHeaders)

    async def posted_form(request: Request) -> FormData:
        return await request.form(max_files=0, max_fields=1000, max_part_size=64 * 1024)

    Form = Annotated[FormData, Depends(posted_form)]

    @app.post(f"{BASE}/bench-start")
    def start(request: Request) -> Response:
        """Set-up only: a draft past the first three steps, its cookie, a CSRF token."""
        token = secrets.token_urlsafe(24)
        with sessions() as db:
            db.add(
                Draft(
                    token=token,
                    answers=dict(EARLIER_ANSWERS),
                    current_step="trainee",
                    updated_at=datetime.now(UTC).replace(tzinfo=None),
                )
            )
            db.commit()
        csrf_token(request)
        response = RedirectResponse(STEP_PATH, status_code=303)
        response.set_cookie(cookie, token, path=BASE, httponly=True, samesite="lax")
        return response

    if async_style:

        @app.get(STEP_PATH, response_class=HTMLResponse)
        async def step_page_async(request: Request) -> Response:
            return show_step(request)  # blocking SQLite call, in the event loop on purpose

        @app.post(STEP_PATH, response_class=HTMLResponse)
        async def step_post_async(request: Request) -> Response:
            form = await posted_form(request)
            return save_step(request, form)

    else:

        @app.get(STEP_PATH, response_class=HTMLResponse)
        def step_page(request: Request) -> Response:
            return show_step(request)

        @app.post(STEP_PATH, response_class=HTMLResponse)
        def step_post(request: Request, form: Form) -> Response:
            return save_step(request, form)

    return app


# =============================================================================================
# The driver
# =============================================================================================


@dataclass
class Client:
    """One simulated browser: its cookies and CSRF token."""

    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())


@dataclass
class Server:
    kind: str
    port: int
    data_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    database_url: str = ""  # empty: a SQLite file in data_dir
    clients: list[Client] = field(default_factory=list)


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]
    socket_errors: int
    server_cpu: float = 0.0  # seconds of CPU the server process used during the run
    other_cpu: float = 0.0  # seconds of CPU used by everything but the server and wrk
    client_cpu: float = 0.0  # seconds of CPU used by wrk

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu / self.requests if self.requests else float("nan")

    @property
    def other_load(self) -> float:
        """CPU used by other processes during the run, in % of one core (200 = both cores)."""
        return 100 * self.other_cpu / self.seconds


@dataclass
class Scenario:
    app: str
    method: str
    script: Path
    results: list[Result] = field(default_factory=list)
    warmup: Result | None = None

    def all_runs(self) -> list[Result]:
        return [*self.results, *([self.warmup] if self.warmup else [])]

    @property
    def expected(self) -> int:
        return 200 if self.method == "GET" else 303

    def unexpected(self) -> Counter[str]:
        bad: Counter[str] = Counter()
        for result in self.all_runs():
            for status, count in result.statuses.items():
                if status != self.expected:
                    bad[str(status)] += count
            if result.socket_errors:
                bad["socket errors"] += result.socket_errors
        return bad


def request(
    port: int, method: str, path: str, client: Client, form: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """One HTTP exchange that updates the client's cookies; (status, location, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": client.cookie_header()} if client.cookies else {}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("set-cookie") or []:
            name, _, rest = header.partition("=")
            client.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers.get("location", ""), text
    finally:
        connection.close()


def expect(got: tuple[int, str, str], status: int, location: str | None = None) -> str:
    code, where, body = got
    if code != status or (location is not None and not where.endswith(location)):
        raise SystemExit(
            f"set-up failed: expected {status} {location or ''}, got {code} {where}\n{body[:500]}"
        )
    return body


def csrf_of(body: str) -> str:
    found = CSRF_RE.search(body)
    if found is None:
        raise SystemExit("set-up failed: no _csrf input in the page")
    return found.group(1)


def product_client(port: int) -> Client:
    """The real wizard flow up to the trainee step, as a browser would go through it."""
    client = Client()
    client.csrf = csrf_of(expect(request(port, "GET", BASE, client), 200))
    steps: list[tuple[str, dict[str, str], str]] = [
        (
            BASE,
            {
                "_action": "new_request",
                "_nav": "next",
                "_shown": "session_code",
                "session_code": CODE,
            },
            "/etape/funding",
        ),
        (
            f"{BASE}/etape/funding",
            {
                "_nav": "next",
                "_shown": "funding_notice,funding_method",
                "funding_method": "establishment",
            },
            "/etape/establishment",
        ),
        (
            f"{BASE}/etape/establishment",
            {"_nav": "next", "_shown": "establishment", "establishment": "ville_lyon"},
            "/etape/trainee",
        ),
    ]
    for path, form, location in steps:
        expect(request(port, "POST", path, client, {"_csrf": client.csrf, **form}), 303, location)
    return client


def baseline_client(port: int) -> Client:
    client = Client()
    expect(request(port, "POST", f"{BASE}/bench-start", client, {}), 303, STEP_PATH)
    client.csrf = csrf_of(expect(request(port, "GET", STEP_PATH, client), 200))
    return client


def prepare_clients(server: Server, count: int) -> None:
    """`count` drafts, each with the trainee step already posted once (so that every draft is
    in the state the load repeats: the first POST also moves `current_step`, an extra UPDATE
    in the product), then its page read and checked."""
    make = product_client if server.kind.startswith("product") else baseline_client
    server.clients = [make(server.port) for _ in range(count)]
    for client in server.clients:
        form = {"_csrf": client.csrf, **TRAINEE_FORM}
        expect(request(server.port, "POST", STEP_PATH, client, form), 303, f"/etape/{NEXT_STEP}")
    body = expect(request(server.port, "GET", STEP_PATH, server.clients[0]), 200)
    for name in ("civility", "first_name", "last_name", "email", "postal_code", "phone"):
        if f'name="{name}"' not in body:
            raise SystemExit(f"{server.kind}: the step page has no {name} input")
    if 'value="Camille"' not in body:
        raise SystemExit(f"{server.kind}: the step page does not show the saved answers")
    start = french_moment(BASELINE_SESSION["starts_at"])
    if "Transformer le patrimoine communal" not in body or start not in body:
        raise SystemExit(f"{server.kind}: the step page does not show the session in its header")
    sent = response_headers(server.port, STEP_PATH, server.clients[0])
    for name, value in SECURITY_HEADERS.items():
        if sent.get(name.lower()) != value:
            raise SystemExit(f"{server.kind}: header {name} missing or different")


def response_headers(port: int, path: str, client: Client) -> dict[str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": client.cookie_header()})
        response = connection.getresponse()
        response.read()
        return {name.lower(): value for name, value in response.getheaders()}
    finally:
        connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(kind: str, workdir: Path, pin: bool, begin: str, database_url: str) -> Server:
    data_dir = workdir / kind
    data_dir.mkdir()
    port = free_port()
    log_path = workdir / f"{kind}.log"
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", kind]
    command += ["--port", str(port), "--data-dir", str(data_dir), "--baseline-begin", begin]
    command += ["--workers", str(WORKERS.get(kind, 1))]
    if database_url:
        command += ["--database-url", database_url]
    if pin:
        command = ["taskset", "-c", "0", *command]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARDING_")}
    if database_url and kind.startswith("product"):
        # Every server stays up for the whole run: their pools together stay under
        # PostgreSQL's 100 connections (PRODUCT_POOL a process; SEVERAL_POOL for each process
        # of a server with several, product or baseline alike).
        env["ONBOARDING_DATABASE_POOL_SIZE"] = str(PRODUCT_POOL)
    if database_url and WORKERS.get(kind, 1) > 1:
        env["ONBOARDING_DATABASE_POOL_SIZE"] = str(SEVERAL_POOL)
        env["WEB_BENCH_BASELINE_POOL"] = str(SEVERAL_POOL)
    if not kind.startswith("product"):
        env["WEB_BENCH_BASELINE_URL"] = (
            database_url or f"sqlite:///{(data_dir / 'baseline.sqlite3').as_posix()}"
        )
        env["WEB_BENCH_BASELINE_BEGIN"] = begin
        env["WEB_BENCH_BASELINE_SECRET"] = secrets.token_urlsafe(32)
    if WORKERS.get(kind, 1) > 1 and kind.startswith("product"):
        # What `onboarding serve --workers N` gives each of its processes.
        metrics = workdir / f"{kind}-metrics"
        metrics.mkdir()
        env.update(
            ONBOARDING_PROJECT_DIR=str(ROOT),
            ONBOARDING_DATA_DIR=str(data_dir),
            ONBOARDING_BASE_URL=f"http://127.0.0.1:{port}",
            PROMETHEUS_MULTIPROC_DIR=str(metrics),
        )
        if database_url:
            env["ONBOARDING_DATABASE_URL"] = database_url
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return Server(kind, port, data_dir, log_path, process, database_url)


def wait_ready(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(
                f"{server.kind} server exited:\n{server.log_path.read_text(errors='replace')}"
            )
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{server.kind} server not listening after {timeout:.0f} s")


def lua_string(value: str) -> str:
    if "]==]" in value:
        raise ValueError(value)
    return f"[==[{value}]==]"


WRK_SCRIPT = """
-- Generated by bench/web_bench.py. One wrk thread per connection: `index` (set in setup)
-- picks this connection's client, whose cookies and CSRF token it sends every time.
local clients = {
%(clients)s
}
local method, path = %(method)s, %(path)s
local threads, count = {}, 0

function setup(thread)
  count = count + 1
  thread:set("index", count)
  table.insert(threads, thread)
end

function init(args)
  local client = clients[index]
  local headers = {Cookie = client.cookie}
  local body = nil
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    body = client.body
  end
  prepared = wrk.format(method, path, headers, body)
  statuses = {}
end

function request()
  return prepared
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(merged) do
    table.insert(parts, string.format('"%%d": %%d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'WRKRESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, ' ..
    '"socket_errors": %%d, "statuses": {%%s}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ", ")))
end
"""


def write_wrk_script(path: Path, method: str, clients: list[Client]) -> None:
    rows = []
    for client in clients:
        body = urlencode({"_csrf": client.csrf, **TRAINEE_FORM})
        rows.append(
            f"  {{cookie = {lua_string(client.cookie_header())}, body = {lua_string(body)}}},"
        )
    path.write_text(
        WRK_SCRIPT
        % {
            "clients": "\n".join(rows),
            "method": lua_string(method),
            "path": lua_string(STEP_PATH),
        },
        encoding="utf-8",
    )


def run_wrk(
    server: Server, scenario: Scenario, seconds: int, connections: int, pin: bool
) -> Result:
    command = ["wrk", f"-t{connections}", f"-c{connections}", f"-d{seconds:g}s"]
    command += ["--timeout", "30s"]
    command += ["-s", str(scenario.script), f"http://127.0.0.1:{server.port}{STEP_PATH}"]
    if pin:
        command = ["taskset", "-c", "1", *command]
    machine_before, server_before = machine_cpu(), tree_cpu(server.process.pid)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    machine_used = machine_cpu() - machine_before
    server_used = tree_cpu(server.process.pid) - server_before
    wrk_used = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKRESULT ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("WRKRESULT "))
    return Result(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        statuses={int(k): v for k, v in data["statuses"].items()},
        socket_errors=data["socket_errors"],
        server_cpu=server_used,
        other_cpu=max(0.0, machine_used - server_used - wrk_used),
        client_cpu=wrk_used,
    )


TICKS = os.sysconf("SC_CLK_TCK")


def machine_cpu() -> float:
    """CPU seconds spent busy by all cores since boot (/proc/stat, idle and iowait excluded)."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / TICKS


def tree_cpu(pid: int) -> float:
    """CPU seconds used by a process and its children (uvicorn's worker processes)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += process_cpu(current)
        todo += children.get(current, [])
    return total


def process_cpu(pid: int) -> float:
    """CPU seconds used by one process, all its threads (/proc/PID/stat utime + stime)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


# -- after the runs -----------------------------------------------------------------------------

LOG_PATTERNS = (
    ("database is locked", re.compile(r"database is locked")),
    ("tracebacks", re.compile(r"^Traceback \(most recent call last\)")),
    ("ERROR lines", re.compile(r"^ERROR\b")),
    ("WARNING lines", re.compile(r"^WARNING\b")),
)


def scan_log(path: Path) -> tuple[Counter[str], list[str]]:
    """Counts of error kinds, and the distinct exception lines (last line of each traceback)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    counts: Counter[str] = Counter()
    lines = text.splitlines()
    for line in lines:
        for name, pattern in LOG_PATTERNS:
            if pattern.search(line):
                counts[name] += 1
    exceptions: Counter[str] = Counter()
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            j = i + 1
            while j < len(lines) and (lines[j].startswith(" ") or not lines[j].strip()):
                j += 1
            if j < len(lines):
                exceptions[lines[j][:300]] += 1
    distinct = [f"{n} x {message}" for message, n in exceptions.most_common(8)]
    return counts, distinct


def row_versions(server: Server) -> dict[int, int]:
    """Each draft's version (id -> version), read straight from the server's database."""
    table = "requests" if server.kind.startswith("product") else "drafts"
    if server.database_url:
        import psycopg

        with psycopg.connect(server.database_url) as connection:
            rows = connection.execute(f"SELECT id, version FROM {table}").fetchall()
            return {int(id_): int(version) for id_, version in rows}
    name = "onboarding.sqlite3" if table == "requests" else "baseline.sqlite3"
    connection = sqlite3.connect(server.data_dir / name)
    try:
        return dict(connection.execute(f"SELECT id, version FROM {table}").fetchall())
    finally:
        connection.close()


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def show_round(number: int, scenario: Scenario, result: Result) -> None:
    print(
        f"  round {number}: {LABELS[scenario.app]:<15}{scenario.method:<5}"
        f"{result.rate:8.0f} req/s  p99 {result.p99_ms:7.1f} ms"
        f"  CPU {result.cpu_ms_per_request:5.2f} ms/req"
        f"  wrk {100 * result.client_cpu / result.seconds:3.0f}%"
        f"  other load {result.other_load:4.0f}%",
        flush=True,
    )


def print_table(scenarios: list[Scenario]) -> None:
    by_key = {(s.app, s.method): s for s in scenarios}
    header = (
        f"{'scenario':<26}{'req/s (median)':>15}{'min-max':>12}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'CPU ms/req':>11}{'vs def':>8}{'vs async':>9}{'other load':>11}  unexpected answers"
    )
    print(header)
    print("-" * len(header))
    for method in ("GET", "POST"):
        reference_def = median([r.rate for r in by_key["baseline-def", method].results])
        reference_async = median([r.rate for r in by_key["baseline-async", method].results])
        for app in APPS:
            scenario = by_key[app, method]
            results = scenario.results
            rates = [r.rate for r in results]
            rate = median(rates)
            bad = scenario.unexpected()
            bad_text = ", ".join(f"{k}: {v}" for k, v in sorted(bad.items())) or "none"
            print(
                f"{LABELS[app] + ' ' + method + ' step':<26}{rate:>15.0f}"
                f"{f'{min(rates):.0f}-{max(rates):.0f}':>12}"
                f"{median([r.p50_ms for r in results]):>8.1f}"
                f"{median([r.p99_ms for r in results]):>8.1f}"
                f"{median([r.cpu_ms_per_request for r in results]):>11.2f}"
                f"{rate / reference_def:>8.2f}{rate / reference_async:>9.2f}"
                f"{f'{median([r.other_load for r in results]):.0f}%':>11}  {bad_text}"
            )
    print()
    print(
        "medians over the rounds; CPU ms/req: CPU time of the server process per answered\n"
        "request; other load: CPU used meanwhile by processes other than the server and wrk,\n"
        "in % of one core (noise: compare ratios from rounds with little of it)."
    )
    busy = median([r.other_load for s in scenarios for r in s.results])
    if busy > BUSY_WARNING:
        print(
            f"WARNING: other processes used {busy:.0f}% of a core (median) during the runs: the"
            " figures are noisy; rerun on a quiet machine, or compare CPU ms/req."
        )
    print()
    for method in ("GET", "POST"):
        p99 = median([r.p99_ms for r in by_key["product", method].results])
        verdict = "meets" if p99 < P99_AIM_MS else "misses"
        print(f"{method}: product p99 {p99:.0f} ms ({verdict} the {P99_AIM_MS:.0f} ms aim)")
        for app in APPS[3:]:
            single = app.rsplit("-x", 1)[0]
            several = median([r.rate for r in by_key[app, method].results])
            one = median([r.rate for r in by_key[single, method].results])
            ratio = several / one
            p99 = median([r.p99_ms for r in by_key[app, method].results])
            if single == "product":
                verdict = f" ({'meets' if ratio >= WORKERS_AIM else 'misses'} the"
                verdict += f" {WORKERS_AIM:.1f} aim)"
            else:
                verdict = " (the same step written by hand: what this machine allows)"
            print(
                f"{method}: {LABELS[app]} / {LABELS[single]} = {ratio:.2f}{verdict},"
                f" p99 {p99:.0f} ms"
            )
        product = median([r.rate for r in by_key["product", method].results])
        best = max(median([r.rate for r in by_key[app, method].results]) for app in APPS[:2])
        ratio = product / median([r.rate for r in by_key["baseline-def", method].results])
        verdict = "meets" if ratio >= THROUGHPUT_AIM else "misses"
        print(
            f"{method}: product/baseline(def) = {ratio:.2f} ({verdict} the {THROUGHPUT_AIM:.1f}"
            f" aim); product/best baseline = {product / best:.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per measured run")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per scenario")
    parser.add_argument(
        "--warmup", type=int, default=2, help="seconds of warm-up per scenario (0: none)"
    )
    parser.add_argument("--connections", type=int, default=32, help="concurrent clients")
    parser.add_argument(
        "--pin", action="store_true", help="pin the servers to CPU 0 and wrk to CPU 1"
    )
    parser.add_argument(
        "--baseline-begin",
        choices=("immediate", "deferred"),
        default="immediate",
        help="how the baselines' POST transaction starts (the product's: immediate)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="also run the product (serve --workers N) and the hand-written def step with this"
        " many processes, each compared with its one-process self",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default="",
        help="run every server on PostgreSQL: a database of its own each, created on the"
        " server at URL and dropped at the end (postgresql://postgres@127.0.0.1:5432/test)",
    )
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.workers > 1:
        # The product with N processes, and the hand-written step with as many: what a
        # second process can add on this machine (with PostgreSQL on the same cores).
        for kind, label in (("baseline-def", "baseline def"), ("product", "product")):
            several = f"{kind}-x{args.workers}"
            APPS.append(several)
            LABELS[several] = f"{label} x{args.workers}"
            WORKERS[several] = args.workers

    if args.serve:
        serve(args.serve, args.port, args.data_dir, args.baseline_begin, args.database_url)
        return 0

    if args.duration < 1 or args.runs < 1 or args.connections < 1 or args.warmup < 0:
        parser.error("--duration, --runs and --connections must be at least 1")
    if shutil.which("wrk") is None:
        print(
            "wrk is not installed. Install it with:\n"
            "  apt-get update && apt-get install -y wrk      (Debian/Ubuntu)\n"
            "or build it from https://github.com/wg/wrk",
            file=sys.stderr,
        )
        return 2
    pin = args.pin
    if pin and (shutil.which("taskset") is None or (os.cpu_count() or 1) < 2):
        print("taskset missing or fewer than 2 CPUs: running unpinned", file=sys.stderr)
        pin = False

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="web_bench_"))
    servers: dict[str, Server] = {}
    databases = PostgresDatabases(args.postgres) if args.postgres else None
    try:
        for kind in APPS:
            url = databases.create(kind) if databases else ""
            servers[kind] = start_server(kind, workdir, pin, args.baseline_begin, url)
        for server in servers.values():
            wait_ready(server)
            prepare_clients(server, args.connections)
        scenarios = []
        for method in ("GET", "POST"):
            for app in APPS:
                script = workdir / f"{app}-{method}.lua"
                write_wrk_script(script, method, servers[app].clients)
                scenarios.append(Scenario(app, method, script))
        versions_before = {kind: row_versions(server) for kind, server in servers.items()}

        print(
            f"web_bench: {args.connections} connections, {args.runs} x {args.duration:g} s per"
            f" scenario after {args.warmup:g} s of warm-up; uvicorn, uvloop, httptools;"
            f" {'PostgreSQL' if databases else 'SQLite'};"
            f" {'server on CPU 0, wrk on CPU 1' if pin else 'unpinned'};"
            f" {os.cpu_count()} CPUs; Python {sys.version.split()[0]}",
            flush=True,
        )

        def run(scenario: Scenario, seconds: int) -> Result:
            server = servers[scenario.app]
            return run_wrk(server, scenario, seconds, args.connections, pin)

        if args.warmup > 0:
            for scenario in scenarios:
                scenario.warmup = run(scenario, args.warmup)
        for round_number in range(1, args.runs + 1):
            for scenario in scenarios:
                result = run(scenario, args.duration)
                show_round(round_number, scenario, result)
                scenario.results.append(result)
        print()
        print_table(scenarios)

        for server in servers.values():
            stop(server)
        print()
        print("Server logs and saved rows:")
        for kind, server in servers.items():
            counts, distinct = scan_log(server.log_path)
            post = next(s for s in scenarios if s.app == kind and s.method == "POST")
            measured = post.all_runs()
            answered = sum(r.statuses.get(303, 0) for r in measured)
            before, after = versions_before[kind], row_versions(server)
            grown = sum(after.values()) - sum(before.values())
            written = sum(1 for id_, version in after.items() if version > before.get(id_, 0))
            saved_ok = answered <= grown <= answered + len(measured) * args.connections
            summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no errors"
            print(
                f"  {LABELS[kind]:<15} log: {summary}; versions +{grown} over {written} of"
                f" {len(after)} drafts for {answered} counted 303s"
                f" ({'consistent' if saved_ok else 'MISMATCH'})"
            )
            for line in distinct:
                print(f"      {line}")
        print(f"\nTotal time {time.monotonic() - started:.0f} s")
    finally:
        for server in servers.values():
            stop(server)
        if databases is not None:
            databases.drop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


class PostgresDatabases:
    """A database per server on the PostgreSQL server at `url`, dropped at the end."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.admin_url = make_url(url).set(drivername="postgresql+psycopg")
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def create(self, kind: str) -> str:
        from sqlalchemy import text

        name = f"web_bench_{kind.replace('-', '_')}_{secrets.token_hex(4)}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        return self.admin_url.set(database=name, drivername="postgresql").render_as_string(
            hide_password=False
        )

    def drop_all(self) -> None:
        from sqlalchemy import text

        with self.admin.connect() as connection:
            for name in self.names:
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        self.admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
