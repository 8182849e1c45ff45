"""How the product's processes log: one configuration for `serve` (and each of its worker
processes) and `worker`, as plain text or one JSON object per line, every line carrying the id
of the HTTP request being handled when it was written."""

from __future__ import annotations

import json
import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]

# Set by the web layer when a request comes in; contextvars follow the request into the
# threads that run its blocking work, so every line written for it carries the id.
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

# The fields of an access line (web.request_log), kept as fields of their own in JSON.
ACCESS_FIELDS = ("method", "route", "status", "duration_ms")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

# The levels `serve --log-level` takes, named as uvicorn names them.
LEVELS = {
    "critical": "CRITICAL",
    "error": "ERROR",
    "warning": "WARNING",
    "info": "INFO",
    "debug": "DEBUG",
}


NO_REQUEST = "-"


class RequestIdFilter(logging.Filter):
    """Gives every record the id of the request it was written for ("-" outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get() or NO_REQUEST
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, the access fields
    when the line is an access line, and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id(record),
        }
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _request_id(record: logging.LogRecord) -> str | None:
    given = getattr(record, "request_id", None)
    if given is None:
        return REQUEST_ID.get()
    return None if given == NO_REQUEST else str(given)


def logging_config(log_format: LogFormat, level: str = "info") -> dict[str, Any]:
    """A `logging.config.dictConfig` configuration; uvicorn applies it in each of its worker
    processes too. The product's loggers and uvicorn's write at `level`; libraries only
    their warnings (below DEBUG, their INFO lines are chatter such as font subsetting).
    uvicorn's own access log writes raw paths and query strings (mailed-link tokens,
    searched names): it stays off, the web layer writes its own access lines."""
    chosen = LEVELS.get(level.lower(), "INFO")
    libraries = "DEBUG" if chosen == "DEBUG" else "WARNING"
    formatter: dict[str, Any] = (
        {"()": JsonFormatter} if log_format == "json" else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"main": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "main",
                "filters": ["request_id"],
            }
        },
        "loggers": {
            "onboarding": {"level": chosen},
            "uvicorn": {"handlers": [], "level": chosen, "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": libraries},
    }


def configure_logging(log_format: LogFormat, level: str = "info") -> None:
    logging.config.dictConfig(logging_config(log_format, level))
