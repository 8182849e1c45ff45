"""Benchmark of mail delivery: the product's outbox worker against a plain `emails` loop.

Measures mails delivered per second to a local SMTP sink by ONE product worker
(`app.worker.Worker.run_once`: claim a batch of due `outbox` rows, lease them, then
for each row build the envelope, send it through `SmtpTransport` and mark it sent, one commit
per mail, written by a thread of its own while the next mail is sent), beside a plain loop
that sends the same messages to the same sink with `emails`:

    message = emails.Message(subject=..., mail_from=(name, address), mail_to=[address],
                             text=..., html=..., message_id=..., headers=...)
    message.send(smtp=backend)     # one SMTPBackend(host, port, fail_silently=True) reused

The message is a real rendered mail (`engine.samples.sample_mail`, onboarding workflow,
template "session_details"), its HTML CSS-inlined once as `queue_mail` does, so both sides send
the same bytes but for the Message-ID and the recipient. The product's transport reuses one
connection per batch (`worker_batch`, 50 here) and the plain loop one connection per round:
what the comparison shows is the product's own overhead (claiming and leasing, reading each row,
the test-mode setting, one commit per mail, a new connection per batch).

The sink is an aiosmtpd server on 127.0.0.1 started by this script in its own process (so it
does not share the GIL with the sender); its handler only records the Message-ID of each mail
and answers "250 OK". After every round the script asks it for the Message-IDs it received and
checks that each mail sent in the round arrived exactly once (count, missing, duplicated,
unexpected), and for the worker that every row of the round is marked sent after one attempt.

Procedure: a warm-up round of each side (not counted), then `--rounds` rounds, interleaved
(worker, then plain loop), of `--mails` mails each. Before each worker round the mails are
queued with `engine.service.effects.queue_mail` in one transaction (timed apart: queue_mail per
mail). Reported: median mails/s of each side over the rounds, min-max, the ratio worker / plain
loop, the CPU used per mail by the sender and by the sink, and the CPU used meanwhile by other
processes (from /proc). Then, not counted in the medians:

* a breakdown round: the worker's `claim`, `deliver`, `envelope` and transport calls timed on
  the instance (no product code changed), and a plain round timing message building and
  sending apart, so the product's per-mail overhead is split without profiler distortion;
* a profiled round (cProfile): the top functions inside engine/ by cumulative time, and the
  time spent in SQLAlchemy when called from the worker's code (the database share).

Run from the project root:  .venv/bin/python bench/mail_bench.py [--mails 500] [--rounds 3]
[--batch 50] [--no-profile]; about 20 seconds with the defaults. Writes only in a temporary
directory, removed at the end."""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import make_msgid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENGINE_DIR = str(ROOT / "engine") + os.sep
STORE_DIR = str(ROOT / "engine" / "store") + os.sep
WORKFLOW = "onboarding"
TEMPLATE = "session_details"
AIM_PER_SECOND = 100.0
BUSY_WARNING = 25.0  # % of one core used by other processes, above which figures are noisy
MESSAGE_ID_RE = re.compile(rb"^message-id:[ \t]*(.*?)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)


# =============================================================================================
# The sink (child process: `mail_bench.py --sink --port P`)
# =============================================================================================


def run_sink(port: int) -> None:
    """Accepts every mail and keeps its Message-ID. Commands on stdin, one a line: `take`
    answers (on stdout, one JSON line) the Message-IDs received and the connections opened since
    the last `take`; `quit` stops."""
    from aiosmtpd.controller import Controller

    class Counting:
        def __init__(self) -> None:
            self.ids: list[str] = []
            self.connections = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            content = envelope.original_content or envelope.content
            head = content.split(b"\r\n\r\n", 1)[0]
            found = MESSAGE_ID_RE.search(head)
            self.ids.append(found.group(1).decode("ascii", "replace") if found else "")
            return "250 OK"

    class CountingController(Controller):
        def factory(self) -> Any:  # called once per accepted connection
            handler.connections += 1
            return super().factory()

    handler = Counting()
    controller = CountingController(handler, hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        for line in sys.stdin:
            command = line.strip()
            if command == "take":
                ids, handler.ids = handler.ids, []
                connections, handler.connections = handler.connections, 0
                print(json.dumps({"ids": ids, "connections": connections}), flush=True)
            elif command == "quit":
                break
    finally:
        controller.stop()


@dataclass
class Sink:
    process: subprocess.Popen[str]
    port: int
    log_path: Path

    def take(self) -> tuple[list[str], int]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("take\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the sink stopped:\n{self.log_path.read_text(errors='replace')}")
        answer = json.loads(line)
        return answer["ids"], answer["connections"]

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write("quit\n")
                self.process.stdin.flush()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_sink(workdir: Path) -> Sink:
    port = free_port()
    log_path = workdir / "sink.log"
    command = [sys.executable, str(Path(__file__).resolve()), "--sink", "--port", str(port)]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    sink = Sink(process, port, log_path)
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        sink.stop()
        raise SystemExit(f"the sink did not start:\n{log_path.read_text(errors='replace')}")
    sink.take()  # forget the controller's own readiness connection
    return sink


# =============================================================================================
# CPU accounting (/proc)
# =============================================================================================

TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int | str = "self") -> float:
    """User + system CPU seconds of a process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_busy() -> float:
    """CPU seconds the whole machine spent not idle since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values[:8]) - idle) / TICK


@dataclass
class Usage:
    started: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    own: float = 0.0
    sink: float = 0.0
    other_percent: float = 0.0

    def start(self, sink: Sink) -> None:
        self.started = (
            time.perf_counter(),
            process_cpu(),
            process_cpu(sink.process.pid),
            machine_busy(),
        )

    def stop(self, sink: Sink) -> None:
        wall = time.perf_counter() - self.started[0]
        self.own = process_cpu() - self.started[1]
        self.sink = process_cpu(sink.process.pid) - self.started[2]
        busy = machine_busy() - self.started[3]
        self.other_percent = max(busy - self.own - self.sink, 0.0) / wall * 100 if wall else 0.0


# =============================================================================================
# The product instance and the message
# =============================================================================================


@dataclass
class Instance:
    settings: Any
    runtime: Any
    engine: Any
    write_sessions: Any
    rendered: Any  # RenderedMail
    html: str  # CSS inlined, as queue_mail stores it
    mail_from: tuple[str, str]


def prepare_instance(data_dir: Path, port: int, batch: int) -> Instance:
    from app.factory import make_runtime
    from engine.config import AppSettings
    from engine.delivery.outbox import engine_sessions
    from engine.samples import sample_mail
    from engine.service.effects import inline_css
    from engine.service.setup import prepare_database
    from engine.store.db import make_engine

    settings = AppSettings(
        project_dir=ROOT,
        data_dir=data_dir,
        smtp_host="127.0.0.1",
        smtp_port=port,
        worker_batch=batch,
    )
    runtime = make_runtime(settings)
    engine = make_engine(settings.resolved_database_url())
    prepare_database(engine, runtime.registry)
    compiled = runtime.registry.get(WORKFLOW)
    rendered = sample_mail(compiled, TEMPLATE)
    # The sender as OutboxWorker.envelope picks it for this workflow.
    organisation = compiled.spec.organisation
    address = settings.mail_from or organisation.get("email") or f"noreply@{settings.mail_domain}"
    name = organisation.get("full_name") or organisation.get("name") or ""
    return Instance(
        settings=settings,
        runtime=runtime,
        engine=engine,
        write_sessions=engine_sessions(engine)[1],
        rendered=rendered,
        html=inline_css(rendered.html),
        mail_from=(name, address),
    )


def recipient(tag: str, number: int) -> str:
    return f"stagiaire.{tag}.{number}@example.org"


# =============================================================================================
# Rounds
# =============================================================================================


@dataclass
class RoundResult:
    side: str
    mails: int
    seconds: float
    usage: Usage
    verdict: str
    exact: bool
    connections: int
    queue_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.mails / self.seconds

    def per_mail_ms(self, cpu: float) -> float:
        return cpu / self.mails * 1000


def check_arrivals(expected: list[str], received: list[str]) -> tuple[bool, str]:
    counts = Counter(received)
    wanted = set(expected)
    missing = len(wanted - counts.keys())
    duplicated = sum(n - 1 for n in counts.values() if n > 1)
    unexpected = sum(n for mid, n in counts.items() if mid not in wanted)
    exact = len(received) == len(expected) == len(wanted) and not (
        missing or duplicated or unexpected
    )
    if exact:
        return True, f"{len(received)}/{len(expected)} exactly once"
    return False, (
        f"{len(received)} received for {len(expected)} sent: {missing} missing,"
        f" {duplicated} duplicated, {unexpected} unexpected"
    )


def queue_mails(instance: Instance, tag: str, count: int) -> tuple[list[str], float]:
    """Writes `count` outbox rows with queue_mail in one transaction; returns their Message-IDs
    and the time taken (session, inserts, commit)."""
    from engine.service.effects import queue_mail

    now = instance.runtime.now()
    started = time.perf_counter()
    with instance.write_sessions() as db:
        rows = [
            queue_mail(
                db,
                workflow_id=WORKFLOW,
                request=None,
                dedupe_key=f"mail_bench:{tag}:{number}",
                template=TEMPLATE,
                rendered=instance.rendered,
                to=[recipient(tag, number)],
                cc=[],
                attachments=[],
                mail_domain=instance.settings.mail_domain,
                now=now,
            )
            for number in range(count)
        ]
        db.commit()
    seconds = time.perf_counter() - started
    return [row.message_id for row in rows], seconds


def rows_sent_once(instance: Instance, tag: str) -> tuple[int, int]:
    """(rows of the round, of which sent after exactly one attempt)."""
    from sqlalchemy import func, select

    from engine.store.models import OutboxMail

    mine = OutboxMail.dedupe_key.like(f"mail_bench:{tag}:%")
    with instance.write_sessions() as db:
        total = db.execute(select(func.count()).where(mine)).scalar_one()
        sent = db.execute(
            select(func.count()).where(mine, OutboxMail.status == "sent", OutboxMail.attempts == 1)
        ).scalar_one()
    return int(total), int(sent)


def worker_round(
    instance: Instance,
    sink: Sink,
    tag: str,
    count: int,
    *,
    prepare: Callable[[Any], None] | None = None,
    profiler: cProfile.Profile | None = None,
) -> tuple[RoundResult, Any]:
    from app.worker import Worker

    expected, queue_seconds = queue_mails(instance, tag, count)
    # A new Worker per round, with the product's default transport (SmtpTransport).
    worker = Worker(instance.runtime, instance.engine)
    if prepare is not None:
        prepare(worker)
    usage = Usage()
    usage.start(sink)
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    outcome = worker.run_once(max_batches=count // instance.settings.worker_batch + 10)
    if profiler is not None:
        profiler.disable()
    seconds = time.perf_counter() - started
    usage.stop(sink)
    received, connections = sink.take()
    exact, verdict = check_arrivals(expected, received)
    total, sent = rows_sent_once(instance, tag)
    if outcome.sent != count or sent != total or total != count:
        exact = False
        verdict += f"; worker: {outcome}; {sent} of {total} rows sent after one attempt"
    result = RoundResult("worker", count, seconds, usage, verdict, exact, connections)
    result.queue_seconds = queue_seconds
    return result, worker


def plain_round(
    instance: Instance, sink: Sink, tag: str, count: int, *, split: list[float] | None = None
) -> RoundResult:
    """The same messages sent with `emails` over one reused SMTPBackend. With `split`, the time
    spent building the messages and sending them is added to split[0] and split[1]."""
    import emails
    from emails.backend.smtp import SMTPBackend

    settings = instance.settings
    rendered = instance.rendered
    message_ids = [make_msgid(domain=settings.mail_domain) for _ in range(count)]
    addresses = [recipient(tag, number) for number in range(count)]
    failures = 0
    usage = Usage()
    usage.start(sink)
    started = time.perf_counter()
    backend = SMTPBackend(
        host=settings.smtp_host,
        port=settings.smtp_port,
        timeout=settings.smtp_timeout,
        fail_silently=True,
    )
    try:
        for message_id, address in zip(message_ids, addresses, strict=True):
            built = time.perf_counter() if split is not None else 0.0
            message = emails.Message(
                subject=rendered.subject,
                mail_from=instance.mail_from,
                mail_to=[address],
                text=rendered.text,
                html=instance.html,
                message_id=message_id,
                headers={"X-Onboarding-Template": TEMPLATE},
            )
            if split is not None:
                now = time.perf_counter()
                split[0] += now - built
                built = now
            response = message.send(smtp=backend)
            if split is not None:
                split[1] += time.perf_counter() - built
            if response is None or not response.success:
                failures += 1
    finally:
        backend.close()
    seconds = time.perf_counter() - started
    usage.stop(sink)
    received, connections = sink.take()
    exact, verdict = check_arrivals(message_ids, received)
    if failures:
        exact = False
        verdict += f"; {failures} sends not answered 250"
    return RoundResult("plain", count, seconds, usage, verdict, exact, connections)


def smtplib_round(instance: Instance, sink: Sink, tag: str, count: int) -> RoundResult:
    """The same messages built with the standard library alone (`email.mime`, the compat32
    API: a multipart/alternative of the text and the HTML in UTF-8) and sent with `smtplib`
    over one connection: the least a hand-written sender can do."""
    import smtplib
    from email.header import Header
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText
    from email.policy import compat32
    from email.utils import formataddr, formatdate

    wire = compat32.clone(linesep="\r\n")  # smtplib sends bytes as they are

    settings = instance.settings
    rendered = instance.rendered
    name, sender = instance.mail_from
    message_ids = [make_msgid(domain=settings.mail_domain) for _ in range(count)]
    addresses = [recipient(tag, number) for number in range(count)]
    failures = 0
    last_refusal: object = None
    usage = Usage()
    usage.start(sink)
    started = time.perf_counter()
    client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    try:
        for message_id, address in zip(message_ids, addresses, strict=True):
            message = MIMEMultipart("alternative")
            message["Subject"] = Header(rendered.subject, "utf-8")
            message["From"] = formataddr((str(Header(name, "utf-8")), sender))
            message["To"] = address
            message["Date"] = formatdate(localtime=True)
            message["Message-ID"] = message_id
            message["X-Onboarding-Template"] = TEMPLATE
            message.attach(MIMEText(rendered.text, "plain", "utf-8"))
            message.attach(MIMEText(instance.html, "html", "utf-8"))
            try:
                refused = client.sendmail(sender, [address], message.as_bytes(policy=wire))
            except smtplib.SMTPException as error:
                refused = {address: str(error)}
            if refused:
                failures += 1
                last_refusal = next(iter(refused.values()))
    finally:
        client.quit()
    seconds = time.perf_counter() - started
    usage.stop(sink)
    received, connections = sink.take()
    exact, verdict = check_arrivals(message_ids, received)
    if failures:
        exact = False
        verdict += f"; {failures} sends refused ({last_refusal})"
    return RoundResult("smtplib", count, seconds, usage, verdict, exact, connections)


def show_round(label: str, result: RoundResult) -> None:
    queued = (
        f"  queue_mail {result.queue_seconds / result.mails * 1000:.2f} ms/mail"
        if result.side == "worker"
        else ""
    )
    print(
        f"  {label:<9} {result.side:<7} {result.rate:7.1f} mails/s  {result.seconds:6.2f} s"
        f"  cpu {result.per_mail_ms(result.usage.own):5.2f} ms/mail"
        f"  sink {result.per_mail_ms(result.usage.sink):4.2f} ms/mail"
        f"  other {result.usage.other_percent:3.0f}%  {result.connections:3d} conn"
        f"  {result.verdict}{queued}",
        flush=True,
    )


# =============================================================================================
# Breakdown (timed wrappers on the instance) and profile
# =============================================================================================


@dataclass
class Timings:
    seconds: dict[str, float] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
                self.calls[name] += 1

        return timed


class TimedTransport:
    """Wraps the product's transport to time its calls; sends through it unchanged."""

    def __init__(self, timings: Timings, factory: Callable[[], Any]) -> None:
        self.inner = timings.wrap("transport: open (new SmtpTransport)", factory)()
        self.send = timings.wrap("transport: send (build + SMTP)", self.inner.send)
        self.close = timings.wrap("transport: close (QUIT)", self.inner.close)


def breakdown(instance: Instance, sink: Sink, count: int) -> None:
    from engine.delivery.mailer import make_transport

    timings = Timings()

    def instrument(worker: Any) -> None:
        outbox = worker.outbox
        outbox.claim = timings.wrap("claim (select due + lease, commit)", outbox.claim)
        outbox.deliver = timings.wrap("deliver (whole)", outbox.deliver)
        outbox.envelope = timings.wrap("envelope (settings lookup)", outbox.envelope)
        settings = instance.settings
        outbox.transport_factory = lambda: TimedTransport(timings, lambda: make_transport(settings))

    result, _ = worker_round(instance, sink, "breakdown", count, prepare=instrument)
    show_round("breakdown", result)
    seconds = timings.seconds
    inside = (
        seconds["deliver (whole)"]
        - seconds["envelope (settings lookup)"]
        - seconds["transport: send (build + SMTP)"]
    )
    measured = sum(v for k, v in seconds.items() if k != "deliver (whole)") + inside
    rows = [(k, v) for k, v in seconds.items() if k != "deliver (whole)"]
    rows.append(("deliver: lease check, outcome handed over (waits for the one before)", inside))
    rows.append(("rest of run_once (timers, loop)", result.seconds - measured))
    print(f"\nWorker round of {count} mails, {result.seconds:.2f} s, per mail:")
    for name, value in sorted(rows, key=lambda item: -item[1]):
        print(f"  {name:<66} {value / count * 1000:6.3f} ms  {value / result.seconds * 100:5.1f} %")

    split = [0.0, 0.0]
    plain = plain_round(instance, sink, "breakdown-plain", count, split=split)
    show_round("breakdown", plain)
    print(f"Plain loop round of {count} mails, {plain.seconds:.2f} s, per mail:")
    print(f"  {'build emails.Message':<46} {split[0] / count * 1000:6.3f} ms")
    print(f"  {'send (serialise + SMTP)':<46} {split[1] / count * 1000:6.3f} ms")


def profile_round(instance: Instance, sink: Sink, count: int, top: int) -> None:
    profiler = cProfile.Profile()
    result, _ = worker_round(instance, sink, "profile", count, profiler=profiler)
    show_round("profiled", result)
    stats = pstats.Stats(profiler)
    entries: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = max(stats.total_tt, 1e-9)  # type: ignore[attr-defined]

    def where(key: tuple[str, int, str]) -> str:
        filename, line, name = key
        if filename.startswith(str(ROOT)):
            filename = os.path.relpath(filename, ROOT)
        return f"{filename}:{line} {name}"

    print(f"\nProfiled worker round ({count} mails, {total:.2f} s of profiled time):")
    print("  top functions inside engine/ by cumulative time")
    mine = [(key, value) for key, value in entries.items() if key[0].startswith(ENGINE_DIR)]
    mine.sort(key=lambda item: -item[1][3])
    for key, (_cc, calls, _tt, cumulative, _callers) in mine[:top]:
        share = cumulative / total * 100
        print(f"  {cumulative:7.3f} s {share:5.1f} % {calls:6d} calls  {where(key)}")

    def from_worker(callees: Iterable[tuple[Any, Any]]) -> float:
        """Cumulative time of these functions when called directly from engine code outside
        engine/store (whose type decorators and BEGIN listener are called back by SQLAlchemy
        and would count twice)."""
        found = 0.0
        for _key, (_cc, _nc, _tt, _ct, callers) in callees:
            for caller, figures in callers.items():
                if caller[0].startswith(ENGINE_DIR) and not caller[0].startswith(STORE_DIR):
                    found += figures[3]
        return found

    def named(part: str) -> list[tuple[Any, Any]]:
        return [(k, v) for k, v in entries.items() if part in k[0]]

    def cumulative_of(path_end: str, name: str) -> float:
        return sum(v[3] for k, v in entries.items() if k[0].endswith(path_end) and k[2] == name)

    sep = os.sep
    database = from_worker(named(f"{sep}sqlalchemy{sep}"))
    shares = (
        ("SQLAlchemy called from the worker's main thread (database share)", database),
        (
            "waiting for the outcome before to be committed",
            cumulative_of(f"delivery{sep}recorder.py", "wait"),
        ),
        ("SmtpTransport.send", cumulative_of(f"delivery{sep}mailer.py", "send")),
        (
            "  build_message (emails.Message)",
            cumulative_of(f"delivery{sep}mailer.py", "build_message"),
        ),
        (
            "  message_bytes (emails' MIME tree, serialised)",
            cumulative_of(f"delivery{sep}mailer.py", "message_bytes"),
        ),
        (
            "  emails client sendmail (MAIL, RCPT, DATA)",
            cumulative_of(f"smtp{sep}client.py", "sendmail"),
        ),
        (
            "    socket recv (waiting for the sink's replies)",
            cumulative_of("~", "<method 'recv_into' of '_socket.socket' objects>"),
        ),
    )
    # cProfile sees the calling thread only: the outcomes' UPDATE and COMMIT, written by the
    # recorder's thread meanwhile, are not in these figures.
    print("  shares of the profiled round (main thread)")
    for label, value in shares:
        print(f"  {value:7.3f} s {value / total * 100:5.1f} %  {label}")


# =============================================================================================
# Main
# =============================================================================================


def median(values: list[float]) -> float:
    return statistics.median(values)


def print_summary(
    workers: list[RoundResult], plains: list[RoundResult], stdlibs: list[RoundResult]
) -> None:
    print()
    header = (
        f"{'side':<22} {'mails/s (median)':>16} {'min-max':>13} {'cpu ms/mail':>11}"
        f" {'sink ms/mail':>12} {'other load':>10}  every mail exactly once"
    )
    print(header)
    print("-" * len(header))
    for label, results in (
        ("product worker", workers),
        ("plain emails loop", plains),
        ("plain smtplib loop", stdlibs),
    ):
        rates = [r.rate for r in results]
        print(
            f"{label:<22} {median(rates):16.1f} {min(rates):6.1f}-{max(rates):<6.1f}"
            f" {median([r.per_mail_ms(r.usage.own) for r in results]):11.2f}"
            f" {median([r.per_mail_ms(r.usage.sink) for r in results]):12.2f}"
            f" {median([r.usage.other_percent for r in results]):9.0f}%"
            f"  {'yes' if all(r.exact for r in results) else 'NO'}"
            f" ({sum(r.mails for r in results)} mails)"
        )
    worker_rate = median([r.rate for r in workers])
    plain_rate = median([r.rate for r in plains])
    queue_ms = median([r.queue_seconds / r.mails * 1000 for r in workers])
    print()
    ratios = [w.rate / p.rate for w, p in zip(workers, plains, strict=True)]
    stdlib_rate = median([r.rate for r in stdlibs])
    stdlib_ratios = [w.rate / p.rate for w, p in zip(workers, stdlibs, strict=True)]
    print(
        f"worker / plain loop: {worker_rate / plain_rate:.2f}"
        f" (per round: {', '.join(f'{ratio:.2f}' for ratio in ratios)})"
    )
    print(
        f"aim: over {AIM_PER_SECOND:.0f} mails/s for the worker:"
        f" {'met' if worker_rate > AIM_PER_SECOND else 'MISSED'} ({worker_rate:.1f})"
    )
    print(f"queue_mail: {queue_ms:.2f} ms per mail (rows written in one transaction, median)")
    print(
        f"worker / plain smtplib loop: {worker_rate / stdlib_rate:.2f}"
        f" (per round: {', '.join(f'{ratio:.2f}' for ratio in stdlib_ratios)})"
    )
    cpu_worker = median([r.per_mail_ms(r.usage.own) for r in workers])
    cpu_plain = median([r.per_mail_ms(r.usage.own) for r in plains])
    cpu_stdlib = median([r.per_mail_ms(r.usage.own) for r in stdlibs])
    print(
        f"sender CPU per mail, plain emails loop / worker: {cpu_plain / cpu_worker:.2f};"
        f" plain smtplib loop / worker: {cpu_stdlib / cpu_worker:.2f}"
    )
    if max(r.usage.other_percent for r in workers + plains + stdlibs) > BUSY_WARNING:
        print(
            f"warning: other processes used over {BUSY_WARNING:.0f} % of a core during some"
            " rounds: the figures are noisy"
        )


def inline_css_ms(instance: Instance, repeat: int = 200) -> float:
    from engine.service.effects import inline_css

    started = time.perf_counter()
    for _ in range(repeat):
        inline_css(instance.rendered.html)
    return (time.perf_counter() - started) / repeat * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--mails", type=int, default=500, help="mails per round")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per side")
    parser.add_argument("--batch", type=int, default=50, help="the worker's batch size")
    parser.add_argument(
        "--no-profile", action="store_true", help="skip the breakdown and profiled rounds"
    )
    parser.add_argument("--top", type=int, default=15, help="engine/ entries of the profile")
    parser.add_argument("--sink", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.sink:
        run_sink(args.port)
        return 0
    if args.mails < 1 or args.rounds < 1 or args.batch < 1:
        parser.error("--mails, --rounds and --batch must be at least 1")

    import emails
    import sqlalchemy

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="mail_bench_"))
    sink: Sink | None = None
    try:
        sink = start_sink(workdir)
        instance = prepare_instance(workdir / "data", sink.port, args.batch)
        size = len(instance.html.encode()) + len(instance.rendered.text.encode())
        print(
            f"mail_bench: {args.rounds} rounds x {args.mails} mails per side, worker batch"
            f' {args.batch}; message "{TEMPLATE}" ({size / 1024:.1f} kB of text + HTML);'
            f" SQLite (WAL); {os.cpu_count()} CPUs; Python {sys.version.split()[0]},"
            f" SQLAlchemy {sqlalchemy.__version__}, emails {emails.__version__}",
            flush=True,
        )
        warmup = max(min(args.mails // 5, 100), 1)
        show_round("warm-up", worker_round(instance, sink, "warmup", warmup)[0])
        show_round("warm-up", plain_round(instance, sink, "warmup-plain", warmup))
        show_round("warm-up", smtplib_round(instance, sink, "warmup-smtplib", warmup))
        workers: list[RoundResult] = []
        plains: list[RoundResult] = []
        stdlibs: list[RoundResult] = []
        for number in range(1, args.rounds + 1):
            result, _ = worker_round(instance, sink, f"round{number}", args.mails)
            show_round(f"round {number}", result)
            workers.append(result)
            plain = plain_round(instance, sink, f"round{number}-plain", args.mails)
            show_round(f"round {number}", plain)
            plains.append(plain)
            stdlib = smtplib_round(instance, sink, f"round{number}-smtplib", args.mails)
            show_round(f"round {number}", stdlib)
            stdlibs.append(stdlib)
        print_summary(workers, plains, stdlibs)
        print(f"inline_css alone: {inline_css_ms(instance):.2f} ms per call")
        if not args.no_profile:
            print()
            breakdown(instance, sink, args.mails)
            print()
            profile_round(instance, sink, args.mails, args.top)
        print(f"\nTotal time {time.monotonic() - started:.0f} s")
        failed = not all(r.exact for r in workers + plains + stdlibs)
    finally:
        if sink is not None:
            sink.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
