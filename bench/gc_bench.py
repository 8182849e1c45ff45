"""How long the garbage collector's full collections stop a warmed-up server, before and after
its long-lived objects are frozen (app/warm_up.py, `keep_out_of_collections`).

A full collection stops every request in flight: its length lands directly in the latency of
the requests around it (p99). This script builds the product's app as `web_bench.py` does (a
fresh SQLite data dir, the demo seed, warmed up as `onboarding serve` does) minus the freeze,
then, twice (without and with `gc.freeze`):

* times an explicit full collection (`gc.collect()`), median of 5;
* drives wizard steps (GET and POST of the trainee step, in-process through Starlette's
  TestClient) and records, with `gc.callbacks`, every collection the interpreter runs by
  itself meanwhile: count and longest pause per generation.

    .venv/bin/python bench/gc_bench.py              # 1,500 steps per side, about a minute
    .venv/bin/python bench/gc_bench.py --steps 10000
"""

from __future__ import annotations

import argparse
import gc
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def walk_to_the_trainee_step(client: Any, web_bench: Any) -> dict[str, str]:
    """A draft past its first three steps, as a browser makes it; the trainee step's form."""
    page = client.get(web_bench.BASE)
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text)
    assert csrf is not None, page.text[:300]
    base = web_bench.BASE
    steps = [
        (base, {"_action": "new_request", "_nav": "next", "_shown": "session_code",
                "session_code": web_bench.CODE}),
        (f"{base}/etape/funding", {"_nav": "next", "_shown": "funding_notice,funding_method",
                                   "funding_method": "establishment"}),
        (f"{base}/etape/establishment", {"_nav": "next", "_shown": "establishment",
                                         "establishment": "ville_lyon"}),
    ]  # fmt: skip
    for path, form in steps:
        answer = client.post(path, data={"_csrf": csrf.group(1), **form}, follow_redirects=False)
        assert answer.status_code == 303, (path, answer.status_code)
    return {"_csrf": csrf.group(1), **web_bench.TRAINEE_FORM}


def full_collection_ms() -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def pauses_during(work: Callable[[], None]) -> dict[int, list[float]]:
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started: list[float] = [0.0]

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses[info["generation"]].append((time.perf_counter() - started[0]) * 1000)

    gc.callbacks.append(record)
    try:
        work()
    finally:
        gc.callbacks.remove(record)
    return pauses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1500, help="GET + POST pairs per side")
    args = parser.parse_args(argv)

    import web_bench
    from fastapi.testclient import TestClient

    import app.warm_up as warm_up_module
    from app.warm_up import keep_out_of_collections

    # `product_app` warms the app up as `onboarding serve` does, minus its last act, the
    # freeze, which the second side adds.
    warm_up_module.keep_out_of_collections = lambda: None  # type: ignore[assignment]
    app = web_bench.product_app(8000, Path(tempfile.mkdtemp(prefix="gc-bench-")))
    client = TestClient(app, base_url="http://127.0.0.1:8000")
    form = walk_to_the_trainee_step(client, web_bench)

    def steps() -> None:
        for _ in range(args.steps):
            assert client.get(web_bench.STEP_PATH).status_code == 200
            answer = client.post(web_bench.STEP_PATH, data=form, follow_redirects=False)
            assert answer.status_code == 303

    steps()  # caches and templates filled, as in a server that has been answering a while
    rows = []
    for side in ("not frozen", "frozen"):
        if side == "frozen":
            keep_out_of_collections()
        tracked = len(gc.get_objects())
        full = full_collection_ms()
        pauses = pauses_during(steps)
        rows.append((side, tracked, gc.get_freeze_count(), full, pauses))

    print(f"{args.steps} GET + POST of the trainee step per side, in-process; Python "
          f"{sys.version.split()[0]}")  # fmt: skip
    header = f"{'':12} {'tracked':>9} {'frozen':>8} {'gc.collect() ms':>16}"
    print(f"{header}  collections during the steps")
    for side, tracked, frozen, full, pauses in rows:
        during = ", ".join(
            f"gen{g}: {len(p)} (max {max(p):.1f} ms)" for g, p in pauses.items() if p
        )
        print(f"{side:12} {tracked:>9} {frozen:>8} {full:>16.1f}  {during}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
