"""Benchmark of the workflow engine against plain `transitions` machines.

Measures, for `workflows/onboarding.yaml`:

1. load + check + compile from disk without the compiled cache (`load_workflow`,
   `check_workflow`, `CompiledWorkflow`, with the time of each phase), in this process with
   the template facts in memory and with them forgotten before each call (the whole work),
   then cold: the first `load_compiled` of a new process (imports done, not timed), with the
   template facts kept in a folder by an earlier process, and with an empty folder; and
   `load_compiled` when the content hash is already cached. Baselines: a plain
   `transitions.Machine` built from the same states and transitions written as Python
   literals, `yaml.safe_load` of the same file followed by that Machine build, and the same
   with libyaml's `CSafeLoader` (the fastest hand-written reading of the file); cold, the
   first `yaml.safe_load` + Machine of a new process.
2. firing one transition through `ProcessRuntime.fire` (`validate_institution`, cheap actions;
   `confirm_email`, with a condition and a rendered notify message); baseline: the same
   trigger on a plain `model=None` Machine firing on a tiny object with a `state` attribute.

Run from the project root:  .venv/bin/python bench/engine_bench.py [--quick]
It prints a table and writes nothing to disk."""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from transitions import Machine

from engine.check.checker import check_workflow, has_errors
from engine.check.loader import load_workflow
from engine.check.template_facts import STORE as TEMPLATE_FACTS
from engine.compiled import CompiledWorkflow, clear_cache, load_compiled
from engine.process.actors import Actor
from engine.process.firing import RequestSnapshot
from engine.samples import SpecCatalog, sample_entries

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / "workflows" / "onboarding.yaml"

COMPILE_AIM_MS = 30.0
FIRE_AIM_US = 50.0

# -- the onboarding process as plain Python literals (checked against the YAML at start-up) ----

STATES: list[str] = [
    "draft",
    "awaiting_email_confirmation",
    "email_confirmed",
    "institution_validated",
    "operator_validated",
    "registered",
    "waiting_list",
    "cancelled",
    "rejected",
    "expired",
]

_CANCELLABLE = [
    "awaiting_email_confirmation",
    "email_confirmed",
    "institution_validated",
    "operator_validated",
    "waiting_list",
]

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "submit", "source": ["draft"], "dest": "awaiting_email_confirmation"},
    {
        "trigger": "confirm_email",
        "source": ["awaiting_email_confirmation"],
        "dest": "email_confirmed",
    },
    {
        "trigger": "confirm_email_session_full",
        "source": ["awaiting_email_confirmation"],
        "dest": "waiting_list",
    },
    {"trigger": "seat_available", "source": ["waiting_list"], "dest": "email_confirmed"},
    {"trigger": "remind_institution", "source": ["email_confirmed"], "dest": None},
    {
        "trigger": "validate_institution",
        "source": ["email_confirmed"],
        "dest": "institution_validated",
    },
    {
        "trigger": "validate_operator",
        "source": ["institution_validated"],
        "dest": "operator_validated",
    },
    {"trigger": "validate_applicant", "source": ["operator_validated"], "dest": "registered"},
    {"trigger": "cancel_by_applicant", "source": _CANCELLABLE, "dest": "cancelled"},
    {"trigger": "cancel_by_operator", "source": _CANCELLABLE, "dest": "cancelled"},
    {
        "trigger": "reject",
        "source": [
            "email_confirmed",
            "institution_validated",
            "operator_validated",
            "waiting_list",
        ],
        "dest": "rejected",
    },
    {"trigger": "expire", "source": ["awaiting_email_confirmation"], "dest": "expired"},
]

# -- a request as the tests build it (tests/helpers.py), without importing the test suite ------

TODAY = date(2026, 9, 1)
SESSION: dict[str, Any] = {
    "code": "26C03S1",
    "title": "Transformer le patrimoine communal: stratégies et actions pour rénover, "
    "agrandir, mutualiser",
    "dates": "Du vendredi 2 octobre 2026, 11:00 au vendredi 2 octobre 2026, 12:15",
    "place": "Lyon",
    "capacity": 20,
    "seats_taken": 5,
    "seats_left": 15,
    "is_open": True,
}
APPLICANT_INPUTS: dict[str, dict[str, Any]] = {
    "session": {"session_code": "26C03S1"},
    "funding": {"funding_method": "establishment"},
    "establishment": {"establishment": "ville_lyon"},
    "trainee": {
        "civility": "mme",
        "first_name": "Élodie",
        "last_name": "Durand",
        "email": "elodie.durand@example.org",
        "email__confirm": "elodie.durand@example.org",
        "postal_code": "69001",
        "phone": "06 12 34 56 78",
        "expectations": "Comprendre les financements.",
    },
    "mandate": {"mandate": "maire", "first_mandate_year": "2020"},
    "dietary": {"dietary_constraints": "yes", "dietary_details": "Sans gluten"},
    "disability": {"disability": "on", "disability_details": "Accès en fauteuil"},
    "extra_data": {
        "share_with_participants": "yes",
        "training_offer_mailing": "no",
        "image_rights": "no",
    },
    "terms": {"terms_accepted": "on"},
}
LINKS: dict[str, str] = {
    "confirm_email": "https://example.org/l/confirm",
    "follow": "https://example.org/l/follow",
    "set_password": "https://example.org/l/password",
}


def fill_wizard(compiled: CompiledWorkflow, catalog: SpecCatalog) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    extras = {"session": SESSION}
    for step in compiled.wizard.steps:
        result = compiled.wizard.validate_step(
            step.id,
            dict(APPLICANT_INPUTS.get(step.id, {})),
            answers,
            catalog=catalog,
            today=TODAY,
            extras=extras,
        )
        if not result.ok:
            raise SystemExit(f"wizard step {step.id!r} refused the sample inputs: {result.errors}")
        answers.update(result.values)
    return compiled.wizard.clean_answers(answers, extras)


def make_snapshot(
    compiled: CompiledWorkflow, catalog: SpecCatalog, answers: Mapping[str, Any], state: str
) -> RequestSnapshot:
    return RequestSnapshot(
        state=state,
        answers=answers,
        reference="26C03S1-0042",
        session=SESSION,
        entries=sample_entries(compiled.spec, answers, catalog),
        links=LINKS,
    )


# -- baselines -------------------------------------------------------------------------------


class Holder:
    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


def build_plain_machine(states: list[str], transitions: list[dict[str, Any]]) -> Machine:
    return Machine(
        model=None, states=states, transitions=transitions, auto_transitions=False, initial="draft"
    )


def lists_from_yaml(data: Mapping[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    process = data["process"]
    states = [state["id"] for state in process["states"]]
    transitions = [
        {
            "trigger": t["id"],
            "source": list(t["from"]) if isinstance(t["from"], list) else [t["from"]],
            "dest": t.get("to"),
        }
        for t in process["transitions"]
    ]
    return states, transitions


def yaml_machine(path: Path) -> Machine:
    with path.open(encoding="utf-8") as stream:
        data = yaml.safe_load(stream)
    return build_plain_machine(*lists_from_yaml(data))


def c_yaml_machine(path: Path) -> Machine:
    with path.open(encoding="utf-8") as stream:
        data = yaml.load(stream, Loader=yaml.CSafeLoader)
    return build_plain_machine(*lists_from_yaml(data))


# -- cold: the first load of a new process -----------------------------------------------------


def cold_child(kind: str, folder: str) -> None:
    """In a new process (imports done beforehand): the CPU time of the first load, in ms on
    stdout. CPU time rather than wall time: a new process on a shared machine waits for a
    core as often as it works."""
    if kind == "engine":
        TEMPLATE_FACTS.keep_in(Path(folder))
        start = time.process_time()
        load_compiled(WORKFLOW)
    else:
        start = time.process_time()
        c_yaml_machine(WORKFLOW)
    print(f"{(time.process_time() - start) * 1000:.3f}")


def cold_starts(kind: str, folder: Path, reps: int, *, empty: bool = False) -> Sample:
    times = []
    for _ in range(reps):
        if empty:
            for stale in folder.glob("*"):
                stale.unlink()
        command = [sys.executable, str(Path(__file__).resolve()), "--cold-child", kind, str(folder)]
        output = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
        times.append(float(output.stdout.strip()) / 1000)
    return Sample(tuple(times), f"{reps} proc")


def seats_left(context: Mapping[str, Any]) -> bool:
    return bool(context["session"]["seats_left"] > 0)


def machine_with_conditions() -> Machine:
    """The literal machine, with a plain Python guard where the spec has a condition."""
    guarded = {"confirm_email", "confirm_email_session_full", "seat_available"}
    transitions = [
        {**t, "conditions": [seats_left]} if t["trigger"] in guarded else t for t in TRANSITIONS
    ]
    return build_plain_machine(STATES, transitions)


def check_literals(compiled: CompiledWorkflow) -> None:
    """The literals describe the same process as the file and as the compiled spec."""
    with WORKFLOW.open(encoding="utf-8") as stream:
        from_yaml = lists_from_yaml(yaml.safe_load(stream))
    process = compiled.spec.process
    from_spec = (
        [state.id for state in process.states],
        [{"trigger": t.id, "source": list(t.source), "dest": t.to} for t in process.transitions],
    )
    if from_yaml != (STATES, TRANSITIONS) or from_spec != (STATES, TRANSITIONS):
        raise SystemExit("the literal states/transitions no longer match onboarding.yaml")


# -- measuring -------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass(frozen=True, slots=True)
class Sample:
    values: tuple[float, ...]  # seconds per operation, one per repetition or batch
    label: str  # how many repetitions, for the table

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def p90(self) -> float:
        return percentile(self.values, 0.9)


def time_each(fn: Callable[[], object], reps: int, warmup: int) -> Sample:
    for _ in range(warmup):
        fn()
    gc.collect()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return Sample(tuple(times), f"{reps}")


def time_batches(fn: Callable[[], object], batches: int, calls: int) -> Sample:
    timer = timeit.Timer(fn)
    timer.timeit(max(1, calls // 10))  # warm-up
    gc.collect()
    totals = timer.repeat(repeat=batches, number=calls)
    return Sample(tuple(total / calls for total in totals), f"{batches}x{calls}")


def compile_phases(reps: int, warmup: int, *, forget: bool = False) -> dict[str, Sample]:
    """load_workflow + check_workflow + CompiledWorkflow, without the compiled cache; with
    `forget`, the template facts are forgotten before each call (the whole work)."""

    def once() -> tuple[float, float, float]:
        if forget:
            TEMPLATE_FACTS.forget()
        start = time.perf_counter()
        loaded = load_workflow(WORKFLOW)
        loaded_at = time.perf_counter()
        diagnostics = check_workflow(loaded)
        checked_at = time.perf_counter()
        if has_errors(diagnostics):
            raise SystemExit(f"onboarding.yaml has errors: {diagnostics}")
        CompiledWorkflow(loaded)
        done_at = time.perf_counter()
        return loaded_at - start, checked_at - loaded_at, done_at - checked_at

    for _ in range(warmup):
        once()
    gc.collect()
    runs = [once() for _ in range(reps)]
    label = f"{reps}"
    return {
        "total": Sample(tuple(sum(run) for run in runs), label),
        "load": Sample(tuple(run[0] for run in runs), label),
        "check": Sample(tuple(run[1] for run in runs), label),
        "compile": Sample(tuple(run[2] for run in runs), label),
    }


# -- the table -------------------------------------------------------------------------------


def fmt(seconds: float, unit: str) -> str:
    scale = {"ms": 1e3, "µs": 1e6}[unit]
    return (
        f"{seconds * scale:.3f} {unit}" if seconds * scale < 10 else f"{seconds * scale:.1f} {unit}"
    )


Row = tuple[str, str, str, str, str, str, str, str]
HEADER: Row = ("measurement", "n", "median", "p90", "baseline", "base median", "ratio", "aim")


def print_table(rows: list[Row]) -> None:
    widths = [max(len(row[i]) for row in [HEADER, *rows]) for i in range(len(HEADER))]
    right = {2, 3, 5, 6}

    def line(row: Row) -> str:
        cells = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    print(line(HEADER))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def aim_text(median: float, limit: float, unit: str) -> str:
    scale = {"ms": 1e3, "µs": 1e6}[unit]
    verdict = "met" if median * scale < limit else "MISSED"
    return f"< {limit:g} {unit}: {verdict}"


def ratio(engine: Sample, baseline: Sample) -> str:
    return f"{engine.median / baseline.median:,.1f}x"


def compared(
    name: str, sample: Sample, unit: str, base_name: str, base: Sample, aim: float | None = None
) -> Row:
    """A measurement beside its baseline: median, p90, the baseline's median, their ratio."""
    return (
        name,
        sample.label,
        fmt(sample.median, unit),
        fmt(sample.p90, unit),
        base_name,
        fmt(base.median, unit),
        ratio(sample, base),
        aim_text(sample.median, aim, unit) if aim is not None else "",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a few seconds)")
    parser.add_argument("--cold-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cold_child:
        cold_child(*args.cold_child)
        return 0

    if args.quick:
        compile_reps, cached_reps, yaml_reps, machine_reps, warmup = 8, 10, 10, 100, 1
        batches, engine_calls, machine_calls = 3, 1_000, 10_000
    else:
        compile_reps, cached_reps, yaml_reps, machine_reps, warmup = 30, 30, 30, 500, 3
        batches, engine_calls, machine_calls = 5, 5_000, 10_000

    began = time.perf_counter()
    clear_cache()
    compiled = load_compiled(WORKFLOW)
    check_literals(compiled)

    # 1. load + check + compile
    phases = compile_phases(compile_reps, warmup)
    whole = compile_phases(compile_reps, warmup, forget=True)["total"]
    cold_reps = 3 if args.quick else 7
    with tempfile.TemporaryDirectory(prefix="engine_bench_") as folder:
        cold_kept = cold_starts("engine", Path(folder), cold_reps)  # the first one fills it
        cold_kept = Sample(cold_kept.values[1:] or cold_kept.values, f"{cold_reps - 1} proc")
        cold_empty = cold_starts("engine", Path(folder), cold_reps, empty=True)
    cold_base = cold_starts("yaml", Path(os.devnull), cold_reps)
    load_compiled(WORKFLOW)  # the content hash is now cached
    cached = time_each(lambda: load_compiled(WORKFLOW), cached_reps, warmup)
    literal = time_each(lambda: build_plain_machine(STATES, TRANSITIONS), machine_reps, warmup)
    from_yaml = time_each(lambda: yaml_machine(WORKFLOW), yaml_reps, warmup)
    from_c_yaml = time_each(lambda: c_yaml_machine(WORKFLOW), yaml_reps, warmup)

    # 2. firing one transition
    catalog = SpecCatalog(compiled.spec, open_sessions={"26C03S1"})
    answers = fill_wizard(compiled, catalog)
    confirmed = make_snapshot(compiled, catalog, answers, "email_confirmed")
    awaiting = make_snapshot(compiled, catalog, answers, "awaiting_email_confirmation")
    manager = Actor.user("bench", {"registration_manager"})
    link = Actor.via_link("confirm_email")
    fire = compiled.process.fire
    if fire(confirmed, "validate_institution", manager).target != "institution_validated":
        raise SystemExit("validate_institution did not reach institution_validated")
    if fire(awaiting, "confirm_email", link).target != "email_confirmed":
        raise SystemExit("confirm_email did not reach email_confirmed")

    plain = machine_with_conditions()
    validate_event = plain.events["validate_institution"]
    confirm_event = plain.events["confirm_email"]
    holder = Holder("email_confirmed")
    context = compiled.condition_context(awaiting)

    def plain_validate() -> None:
        holder.state = "email_confirmed"
        validate_event.trigger(holder)

    def plain_confirm() -> None:
        holder.state = "awaiting_email_confirmation"
        confirm_event.trigger(holder, context=context)

    plain_validate()
    plain_confirm()
    if holder.state != "email_confirmed":
        raise SystemExit("the plain machine did not fire confirm_email")

    fire_validate = time_batches(
        lambda: fire(confirmed, "validate_institution", manager), batches, engine_calls
    )
    fire_confirm = time_batches(
        lambda: fire(awaiting, "confirm_email", link), batches, engine_calls
    )
    base_validate = time_batches(plain_validate, batches, machine_calls)
    base_confirm = time_batches(plain_confirm, batches, machine_calls)

    total = phases["total"]

    def against_yaml(label: str, sample: Sample, aim: bool) -> list[Row]:
        return [
            (
                label,
                sample.label if label else "",
                fmt(sample.median, "ms") if label else "",
                fmt(sample.p90, "ms") if label else "",
                "yaml.safe_load + Machine",
                fmt(from_yaml.median, "ms"),
                ratio(sample, from_yaml),
                aim_text(sample.median, COMPILE_AIM_MS, "ms") if aim else "",
            ),
            (
                "",
                "",
                "",
                "",
                "CSafeLoader + Machine",
                fmt(from_c_yaml.median, "ms"),
                ratio(sample, from_c_yaml),
                "",
            ),
        ]

    rows: list[Row] = [
        compared(
            "cold, cpu: 1st load_compiled, facts kept",
            cold_kept,
            "ms",
            "1st CSafeLoader + Machine",
            cold_base,
            COMPILE_AIM_MS,
        ),
        compared(
            "cold, cpu: 1st load_compiled, no facts",
            cold_empty,
            "ms",
            "1st CSafeLoader + Machine",
            cold_base,
        ),
        *against_yaml("whole work, facts forgotten", whole, aim=False),
        compared("load+check+compile, facts in memory", total, "ms", "Machine(literals)", literal),
        *against_yaml("", total, aim=False)[0:2],
    ]
    for key, name in (
        ("load", "load_workflow"),
        ("check", "check_workflow"),
        ("compile", "CompiledWorkflow()"),
    ):
        sample = phases[key]
        rows.append(
            (
                f"  of which {name}",
                sample.label,
                fmt(sample.median, "ms"),
                fmt(sample.p90, "ms"),
                "",
                "",
                "",
                "",
            )
        )
    rows += [
        compared("load_compiled, hash cached", cached, "ms", "Machine(literals)", literal),
        (
            "",
            "",
            "",
            "",
            "yaml.safe_load + Machine",
            fmt(from_yaml.median, "ms"),
            ratio(cached, from_yaml),
            "",
        ),
        compared(
            "fire validate_institution",
            fire_validate,
            "µs",
            "Machine trigger",
            base_validate,
            FIRE_AIM_US,
        ),
        compared(
            "fire confirm_email (condition)",
            fire_confirm,
            "µs",
            "Machine trigger + guard",
            base_confirm,
            FIRE_AIM_US,
        ),
    ]

    print(
        f"Python {platform.python_version()} ({sys.implementation.name}), "
        f"{'quick' if args.quick else 'full'} run"
    )
    print(
        f"repetitions (after warm-up): load+check+compile {compile_reps}, cached "
        f"{cached_reps}, Machine(literals) {machine_reps}, yaml+Machine {yaml_reps}"
    )
    print(
        f"firing: {batches} batches x {engine_calls} calls (baseline {batches} x "
        f"{machine_calls}); median and p90 over batches, per call"
    )
    print()
    print_table(rows)
    print()
    print(f"(benchmark took {time.perf_counter() - began:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
