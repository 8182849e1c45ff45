"""The `onboarding` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .check.checker import check_workflow, has_errors
from .check.diagnostics import render_json, render_text
from .spec.loader import load_workflow


def _workflow_paths(given: Sequence[str]) -> list[Path]:
    if given:
        return [Path(p) for p in given]
    return sorted(Path("workflows").glob("*.yaml"))


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
    from .schema import SCHEMAS, schema_text

    if args.write:
        folder = Path(args.write)
        folder.mkdir(parents=True, exist_ok=True)
        for kind in SCHEMAS:
            (folder / f"{kind}.schema.json").write_text(schema_text(kind), encoding="utf-8")
            print(f"wrote {folder / f'{kind}.schema.json'}")
        return 0
    sys.stdout.write(schema_text(args.kind))
    return 0


def _load_or_report(path: str) -> object | None:
    from .compiled import SpecError, load_compiled

    try:
        return load_compiled(Path(path))
    except SpecError as error:
        print(render_text(error.diagnostics), file=sys.stderr)
        return None


def cmd_diagram(args: argparse.Namespace) -> int:
    from .compiled import CompiledWorkflow
    from .diagram import mermaid

    compiled = _load_or_report(args.workflow)
    if not isinstance(compiled, CompiledWorkflow):
        return 1
    sys.stdout.write(mermaid(compiled.spec))
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from .compiled import CompiledWorkflow
    from .simulate import simulate

    compiled = _load_or_report(args.workflow)
    if not isinstance(compiled, CompiledWorkflow):
        return 1
    return simulate(compiled, sys.stdout)


def _settings() -> object:
    from .config import AppSettings

    return AppSettings()


def _registry_or_report(settings: object) -> object | None:
    from .compiled import SpecError
    from .service.workflows import WorkflowRegistry

    try:
        return WorkflowRegistry.load(settings.project_dir)  # type: ignore[attr-defined]
    except SpecError as error:
        if error.diagnostics:
            print(render_text(error.diagnostics), file=sys.stderr)
        print("no valid workflow to serve: fix the problems above", file=sys.stderr)
        return None


def _prepared() -> tuple[object, object, object] | None:
    """Settings, workflow registry and database engine, with the database brought up to date."""
    from sqlalchemy.exc import SQLAlchemyError

    from .service.setup import prepare_database
    from .store.db import make_engine

    settings = _settings()
    registry = _registry_or_report(settings)
    if registry is None:
        return None
    engine = make_engine(settings.resolved_database_url())  # type: ignore[attr-defined]
    try:
        prepare_database(engine, registry)  # type: ignore[arg-type]
    except SQLAlchemyError as error:
        print(
            f"database not reachable or not usable: {error.__class__.__name__}: {error}",
            file=sys.stderr,
        )
        return None
    return settings, registry, engine


def cmd_db(args: argparse.Namespace) -> int:
    prepared = _prepared()
    if prepared is None:
        return 1
    from .store.migrate import current_revision

    print(f"database at revision {current_revision(prepared[2])}")  # type: ignore[arg-type]
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .service.seed import SeedError, load_seed, read_seed
    from .store.db import make_session_factory

    prepared = _prepared()
    if prepared is None:
        return 1
    settings, registry, engine = prepared
    paths = [Path(p) for p in args.paths] or sorted(
        (settings.project_dir / "demo").glob("*.yaml")  # type: ignore[attr-defined]
    )
    try:
        with make_session_factory(engine)() as db:  # type: ignore[arg-type]
            for path in paths:
                credentials = load_seed(
                    db,
                    registry,
                    read_seed(path),
                    settings.zone,  # type: ignore[arg-type, attr-defined]
                )
                print(f"loaded {path}")
                for c in credentials:
                    print(f"  user {c.email}  password {c.password}  roles {', '.join(c.roles)}")
            db.commit()
    except SeedError as error:
        print(f"demo data not loaded: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    prepared = _prepared()
    if prepared is None:
        return 1
    settings, registry, engine = prepared
    from web.app import create_app, make_runtime

    app = create_app(
        settings,  # type: ignore[arg-type]
        runtime=make_runtime(settings, registry),  # type: ignore[arg-type]
        engine=engine,  # type: ignore[arg-type]
    )
    print(f"serving on http://{args.host}:{args.port}/", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


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
    validate.set_defaults(handler=cmd_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of a YAML format")
    schema.add_argument("--kind", choices=("workflow", "form", "pdf_layout"), default="workflow")
    schema.add_argument("--write", metavar="DIR", help="write every schema into DIR")
    schema.set_defaults(handler=cmd_schema)

    diagram = commands.add_parser("diagram", help="print the process as a Mermaid diagram")
    diagram.add_argument("workflow", metavar="WORKFLOW")
    diagram.set_defaults(handler=cmd_diagram)

    simulate = commands.add_parser(
        "simulate", help="walk a workflow's wizard and main path with sample answers"
    )
    simulate.add_argument("workflow", metavar="WORKFLOW")
    simulate.set_defaults(handler=cmd_simulate)

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
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(handler=cmd_serve)
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
