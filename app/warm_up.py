"""What a server prepares once, beside its start rather than before it: the backoffice's routes
(included on the first backoffice request otherwise), the PDF fonts (parsed on the first
document otherwise, a good part of a second) and the dummy password hash of sign-ins. All used
to be done before the server answered; in a thread of their own, the first pages answer
meanwhile and the first operator or confirmation still finds them ready.

Once warm, what the process keeps for its lifetime (modules, compiled workflows, routes, fonts)
is put out of the garbage collector's reach (`gc.freeze`): a full collection then visits only
what requests made since. Without it, the full collections that a busy server runs every few
seconds each visited about 200,000 objects, a pause of about 160 ms during which every request
in flight waited; with it, about 1 ms (`bench/gc_bench.py`). Frozen objects are still freed
when no longer referenced; only a reference cycle among them would stay.
"""

from __future__ import annotations

import gc
import logging
import threading

from fastapi import FastAPI

from engine.service.accounts import warm_up as warm_up_sign_in
from web.app import first_answer, include_every_route

log = logging.getLogger("onboarding.serve")

# How long the background warm-up waits for the first request to be answered before it starts
# anyway: a server nobody calls yet has the processor to itself.
IDLE_START_SECONDS = 2.0


def warm_up(app: FastAPI) -> None:
    """The same work, done now (each process of `serve --workers N` does it before answering:
    uvicorn's supervisor expects a new process to answer its checks, which a busy thread
    would delay)."""
    try:
        include_every_route(app)
        # Imported here, off the start-up path: fpdf2, fontTools and Pillow take longer to
        # import than the rest of the web application.
        from engine.delivery.pdf import preload_fonts

        preload_fonts()
        warm_up_sign_in()
    except Exception:  # the first backoffice page, document or sign-in does the work instead
        log.exception("warming up failed")
    keep_out_of_collections()


def keep_out_of_collections() -> None:
    """Collects what start-up left behind, then freezes everything alive: see the module's
    docstring."""
    gc.collect()
    gc.freeze()


def warm_up_in_background(app: FastAPI) -> threading.Thread:
    """The warm-up in a thread that starts once the first request is answered (or after
    IDLE_START_SECONDS): run beside the first page, its imports and font parsing would take
    the interpreter from it half the time, and delay it by about as much as they cost."""

    def after_first_answer() -> None:
        first_answer(app).wait(IDLE_START_SECONDS)
        warm_up(app)

    thread = threading.Thread(target=after_first_answer, name="warm-up", daemon=True)
    thread.start()
    return thread
