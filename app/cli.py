"""The `onboarding` command: its parser, and each command wired to what it runs.

The commands that run the product (`serve`, `worker`, `db upgrade`, `demo`, `settings`, `user
create`, `api-token`) and the PDF renderer are imported when their command runs: they bring the
web stack, the database drivers and fpdf2, which would make `onboarding validate`, run by editors
and CI on every change, five times slower to start."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.check.checker import check_workflow, has_errors
from engine.check.diagnostics import render_json, render_text
from engine.check.loader import load_workflow
from engine.compiled import CompiledWorkflow, SpecError, load_compiled
from engine.diagram import mermaid
from engine.logs import LEVELS
from engine.samples import sample_mail, sample_session_context, sample_snapshot
from engine.schema import SCHEMAS, schema_text
from engine.simulate import simulate


def _workflow_paths(given: Sequence[str]) -> list[Path]:
    """The paths given, or the project's workflows and those of its example projects
    (`examples/<name>/workflows/`), which a deployment does not serve unless it names them."""
    if given:
        return [Path(p) for p in given]
    return sorted(Path("workflows").glob("*.yaml")) + sorted(
        Path("examples").glob("*/workflows/*.yaml")
    )


def cmd_validate(args: argparse.Namespace) -> int:
    paths = _workflow_paths(args.paths)
    if not paths:
        print(
            "no workflow found: give a path, or run from a folder with workflows/*.yaml",
            file=sys.stderr,
        )
        return 2
    diagnostics = []
    for path in paths:
        diagnostics.extend(check_workflow(load_workflow(path)))
    if args.database and not has_errors(diagnostics):
        from .version_commands import Refused, stranded_report  # the drivers: see above

        compiled = {c.spec.id: c for c in (load_compiled(p) for p in paths)}
        try:
            for warning in stranded_report(compiled, args.database):
                print(warning, file=sys.stderr)
        except Refused as error:
            print(str(error), file=sys.stderr)
            return 1
    if args.format == "json":
        print(render_json(diagnostics))
    elif diagnostics:
        print(render_text(diagnostics))
        errors = sum(1 for d in diagnostics if d.severity == "error")
        print(f"{errors} error(s) in {len(paths)} workflow(s)", file=sys.stderr)
    else:
        print(f"{len(paths)} workflow(s) valid: {', '.join(str(p) for p in paths)}")
    return 1 if has_errors(diagnostics) else 0


def cmd_schema(args: argparse.Namespace) -> int:
    if args.write:
        folder = Path(args.write)
        folder.mkdir(parents=True, exist_ok=True)
        for kind in SCHEMAS:
            (folder / f"{kind}.schema.json").write_text(schema_text(kind), encoding="utf-8")
            print(f"wrote {folder / f'{kind}.schema.json'}")
        return 0
    sys.stdout.write(schema_text(args.kind))
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    # The manual's pages read the web layer's form names: loaded for this command only.
    from app.manual.pages import PAGES, write

    if args.write:
        for path in write(Path(args.write)):
            print(f"wrote {path}")
        return 0
    page = PAGES.get(args.page)
    if page is None:
        print(f"unknown page '{args.page}' (pages: {', '.join(PAGES)})", file=sys.stderr)
        return 2
    sys.stdout.write(page())
    return 0


def _load_or_report(path: str) -> object | None:
    try:
        return load_compiled(Path(path))
    except SpecError as error:
        print(render_text(error.diagnostics), file=sys.stderr)
        return None


def cmd_diagram(args: argparse.Namespace) -> int:
    compiled = _load_or_report(args.workflow)
    if not isinstance(compiled, CompiledWorkflow):
        return 1
    sys.stdout.write(mermaid(compiled.spec))
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    try:
        compiled = _load_or_report(args.workflow)
        if not isinstance(compiled, CompiledWorkflow):
            return 1
        return simulate(compiled, sys.stdout)
    except Exception as error:  # a simulation ends with one line, never a traceback
        sys.stdout.flush()
        print(f"simulation stopped: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


def cmd_render_pdf(args: argparse.Namespace) -> int:
    from engine.delivery.pdf import (  # fpdf2: see above
        DocumentError,
        render_context_document,
        render_document,
    )

    compiled = _load_or_report(args.workflow)
    if not isinstance(compiled, CompiledWorkflow):
        return 1
    if args.layout not in compiled.layouts:
        known = ", ".join(sorted(compiled.layouts)) or "none"
        print(f"unknown PDF layout '{args.layout}' (known: {known})", file=sys.stderr)
        return 2
    of_session = any(d.layout == args.layout and d.of == "session" for d in compiled.spec.documents)
    try:
        data = (
            render_context_document(compiled, args.layout, sample_session_context(compiled))
            if of_session
            else render_document(compiled, args.layout, sample_snapshot(compiled))
        )
    except DocumentError as error:
        print(f"cannot render the PDF: {error}", file=sys.stderr)
        return 1
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    try:
        Path(args.output).write_bytes(data)
    except OSError as error:
        print(f"cannot write {args.output}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"wrote {args.output} ({len(data)} bytes)")
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from .maintenance import upgrade_database

    return upgrade_database()


def cmd_demo(args: argparse.Namespace) -> int:
    from .maintenance import load_demo

    return load_demo([Path(p) for p in args.paths])


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    return serve(args.host, args.port, args.log_level, args.workers)


def cmd_user_create(args: argparse.Namespace) -> int:
    from .maintenance import create_user

    return create_user(args.email, args.role, args.password)


def cmd_api_token(args: argparse.Namespace) -> int:
    from . import maintenance

    if args.token_command == "create":
        return maintenance.create_api_token(args.name, args.role)
    if args.token_command == "revoke":
        return maintenance.revoke_api_token(args.id)
    return maintenance.list_api_tokens()


def cmd_worker(args: argparse.Namespace) -> int:
    from .worker import run_worker

    return run_worker(args.once, args.metrics_port, args.metrics_host)


def cmd_purge(args: argparse.Namespace) -> int:
    from .maintenance import purge

    return purge(args.dry_run)


def cmd_settings(args: argparse.Namespace) -> int:
    from .maintenance import change_setting

    return change_setting(args.workflow, args.key, args.value)


def cmd_render_mail(args: argparse.Namespace) -> int:
    compiled = _load_or_report(args.workflow)
    if not isinstance(compiled, CompiledWorkflow):
        return 1
    known = sorted(
        {name.split("/")[0] for name in compiled.environment.list_templates() if "/" in name}
        - {"_layouts"}
    )
    if args.template not in known:
        print(
            f"unknown mail template '{args.template}' (known: {', '.join(known)})",
            file=sys.stderr,
        )
        return 2
    mail = sample_mail(compiled, args.template)
    from engine.service.effects import inline_css  # the services: see above

    # The HTML as sent: styles moved into each element for mail clients.
    html = inline_css(mail.html)
    parts = {"subject": f"Subject: {mail.subject}", "text": mail.text, "html": html}
    chosen = list(parts) if args.part == "all" else [args.part]
    print("\n\n".join(parts[name] for name in chosen))
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from .version_commands import diff

    return diff(args.old, args.new, args.database, args.format)


def cmd_migrate(args: argparse.Namespace) -> int:
    from .version_commands import migrate

    return migrate(args.workflows, args.dry_run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onboarding",
        description="Declarative training registrations: check and run workflows written in YAML.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check workflows and report every problem")
    validate.add_argument(
        "paths", nargs="*", metavar="PATH", help="workflow files (default: workflows/*.yaml)"
    )
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.add_argument(
        "--database",
        metavar="URL",
        help="also warn about requests in states these workflows removed",
    )
    validate.set_defaults(handler=cmd_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of a YAML format")
    schema.add_argument("--kind", choices=("workflow", "form", "pdf_layout"), default="workflow")
    schema.add_argument("--write", metavar="DIR", help="write every schema into DIR")
    schema.set_defaults(handler=cmd_schema)

    docs = commands.add_parser("docs", help="print or write the generated pages of the manual")
    docs.add_argument("--page", default="field-kinds.md", help="the page to print")
    docs.add_argument("--write", metavar="FOLDER", help="write every generated page there")
    docs.set_defaults(handler=cmd_docs)

    diagram = commands.add_parser("diagram", help="print the process as a Mermaid diagram")
    diagram.add_argument("workflow", metavar="WORKFLOW")
    diagram.set_defaults(handler=cmd_diagram)

    simulate = commands.add_parser(
        "simulate", help="walk a workflow's wizard and main path with sample answers"
    )
    simulate.add_argument("workflow", metavar="WORKFLOW")
    simulate.set_defaults(handler=cmd_simulate)

    render_pdf = commands.add_parser("render-pdf", help="write a PDF rendered with sample data")
    render_pdf.add_argument("workflow", metavar="WORKFLOW")
    render_pdf.add_argument("layout", metavar="LAYOUT", help="a layout of pdf_layouts/")
    render_pdf.add_argument(
        "--sample", action="store_true", required=True, help="fill it with sample data"
    )
    render_pdf.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the PDF file to write (- for stdout)"
    )
    render_pdf.set_defaults(handler=cmd_render_pdf)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_upgrade = db_commands.add_parser(
        "upgrade", help="apply migrations, load the workflows' reference lists"
    )
    db_upgrade.set_defaults(handler=cmd_db)

    demo = commands.add_parser(
        "demo", help="load demonstration data (sessions, entries, users) and print logins"
    )
    demo.add_argument("paths", nargs="*", metavar="PATH", help="data files (default: demo/*.yaml)")
    demo.set_defaults(handler=cmd_demo)

    serve = commands.add_parser("serve", help="run the web application")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info", choices=list(LEVELS))
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="web processes (default 1); the embedded mail worker runs once, in the parent",
    )
    serve.set_defaults(handler=cmd_serve)

    user = commands.add_parser("user", help="backoffice users")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    user_create = user_commands.add_parser("create", help="create or update a backoffice user")
    user_create.add_argument("email", metavar="EMAIL")
    user_create.add_argument(
        "--role", action="append", default=[], help="a role declared by a workflow (repeatable)"
    )
    user_create.add_argument("--password", help="default: a new one, printed once")
    user_create.set_defaults(handler=cmd_user_create)

    token = commands.add_parser("api-token", help="tokens of the JSON API (/api/v1)")
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    token_create = token_commands.add_parser(
        "create", help="create a token acting with a role; prints it once"
    )
    token_create.add_argument("name", metavar="NAME", help="what the token is for")
    token_create.add_argument("--role", required=True, help="a role declared by a workflow")
    token_create.set_defaults(handler=cmd_api_token)
    token_list = token_commands.add_parser("list", help="every token, revoked ones included")
    token_list.set_defaults(handler=cmd_api_token)
    token_revoke = token_commands.add_parser("revoke", help="revoke a token (by its id)")
    token_revoke.add_argument("id", type=int, metavar="ID")
    token_revoke.set_defaults(handler=cmd_api_token)

    worker = commands.add_parser("worker", help="fire due timers and deliver the outbox")
    worker.add_argument("--once", action="store_true", help="one round, then exit")
    worker.add_argument(
        "--metrics-port", type=int, help="serve this worker's counters for Prometheus on it"
    )
    worker.add_argument("--metrics-host", default="127.0.0.1", help="default: 127.0.0.1")
    worker.set_defaults(handler=cmd_worker)

    purge = commands.add_parser(
        "purge", help="apply the retention rules now: notices, then erasure of personal data"
    )
    purge.add_argument(
        "--dry-run", action="store_true", help="say what would be mailed and erased; change nothing"
    )
    purge.set_defaults(handler=cmd_purge)

    settings = commands.add_parser(
        "settings", help="show a workflow's settings, or change one (KEY VALUE)"
    )
    settings.add_argument("workflow", metavar="WORKFLOW_ID")
    settings.add_argument("key", nargs="?", metavar="KEY")
    settings.add_argument("value", nargs="?", metavar="VALUE")
    settings.set_defaults(handler=cmd_settings)

    render_mail = commands.add_parser(
        "render-mail", help="print a mail template rendered with sample data"
    )
    render_mail.add_argument("workflow", metavar="WORKFLOW")
    render_mail.add_argument("template", metavar="TEMPLATE")
    render_mail.add_argument(
        "--sample", action="store_true", required=True, help="fill it with sample data"
    )
    render_mail.add_argument("--part", choices=("all", "subject", "text", "html"), default="all")
    render_mail.set_defaults(handler=cmd_render_mail)

    spec_diff = commands.add_parser(
        "diff", help="what changed between two versions of a workflow, and the requests touched"
    )
    spec_diff.add_argument("old", metavar="OLD", help="a workflow file or a stored version's hash")
    spec_diff.add_argument(
        "new", nargs="?", metavar="NEW", help="default: the workflow's current file"
    )
    spec_diff.add_argument(
        "--database", metavar="URL", help="default: ONBOARDING_DATABASE_URL, if set"
    )
    spec_diff.add_argument("--format", choices=("text", "json"), default="text")
    spec_diff.set_defaults(handler=cmd_diff)

    migrate = commands.add_parser(
        "migrate", help="move requests to the current version of their workflow"
    )
    migrate.add_argument(
        "workflows", nargs="*", metavar="WORKFLOW_ID", help="default: every workflow"
    )
    migrate.add_argument(
        "--dry-run", action="store_true", help="say what would move; change nothing"
    )
    migrate.set_defaults(handler=cmd_migrate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
