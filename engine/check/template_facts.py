"""What the checker learns from a template's source, computed once per distinct source: its
syntax error, or the templates it names and the context variables it reads.

Parsing sources with Jinja and walking their trees was most of a workflow's check (a hundred
mail parts, notices and PDF texts). These facts depend on nothing but the source and on the
code that extracts them, so they are kept under a digest of both: in memory for the life of
the process and, once a folder is given (`keep_in`), in one JSON file there for the processes
that follow. A changed source has another digest and is analysed anew; a file that cannot be
read, does not parse, or was written by other code is ignored, and one that cannot be written
costs only the next process's time."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import TemplateSyntaxError, meta

from .. import templating
from ..templating import VariableUse, make_environment, variable_uses

FILE_NAME = "template-facts.json"
# Beyond this many entries, a rewrite keeps only those used by the current process, so a
# folder shared by many versions of many workflows does not grow without end.
MAX_ENTRIES = 5000


@dataclass(frozen=True, slots=True)
class TemplateFacts:
    error: tuple[str, int] | None  # (message, line) when the source does not parse
    templates: tuple[str, ...]  # the templates it extends, includes or imports by name
    uses: tuple[VariableUse, ...]


@cache
def _code_digest() -> str:
    """Identifies the code the facts come from: Jinja's version, this module and the one
    that walks the tree. Facts written by other code are never read."""
    digest = hashlib.sha256(jinja2.__version__.encode())
    for module_file in (__file__, templating.__file__):
        digest.update(Path(module_file).read_bytes())
    return digest.hexdigest()


def _analyse(source: str) -> TemplateFacts:
    try:
        template_ast = _environment().parse(source)
    except TemplateSyntaxError as error:
        return TemplateFacts((error.message or "", error.lineno or 1), (), ())
    names = tuple(n for n in meta.find_referenced_templates(template_ast) if n is not None)
    return TemplateFacts(None, names, tuple(variable_uses(template_ast)))


@cache
def _environment() -> jinja2.Environment:
    return make_environment()


def _to_json(facts: TemplateFacts) -> dict[str, Any]:
    return {
        "error": list(facts.error) if facts.error else None,
        "templates": list(facts.templates),
        "uses": [[*use.parts, use.line] for use in facts.uses],
    }


def _from_json(value: Any) -> TemplateFacts:
    """Raises ValueError (or TypeError, KeyError) on anything but what `_to_json` writes."""
    error = value["error"]
    if error is not None:
        message, line = error
        if not isinstance(message, str) or not isinstance(line, int):
            raise ValueError("bad error")
        error = (message, line)
    templates = tuple(value["templates"])
    uses = []
    for item in value["uses"]:
        *parts, line = item
        if not parts or not isinstance(line, int) or not all(isinstance(p, str) for p in parts):
            raise ValueError("bad use")
        uses.append(VariableUse(tuple(parts), line))
    if not all(isinstance(name, str) for name in templates):
        raise ValueError("bad template name")
    return TemplateFacts(error, templates, tuple(uses))


class FactStore:
    """The facts of every source seen, by digest, and the file they persist in."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._facts: dict[str, TemplateFacts] = {}
        self._used: set[str] = set()
        self._stored: dict[str, Any] = {}  # read from the file, decoded when first asked for
        self._folder: Path | None = None
        self._unsaved = False

    def keep_in(self, folder: Path | None) -> None:
        """Persists facts in `folder` (None: in memory only) and reads what it holds."""
        with self._lock:
            self._folder = folder
            self._stored = self._read(folder) if folder is not None else {}
            # Facts learned before the folder was given belong in its file too.
            self._unsaved = folder is not None and bool(self._facts.keys() - self._stored.keys())

    def facts(self, source: str) -> TemplateFacts:
        digest = hashlib.sha256(source.encode()).hexdigest()
        with self._lock:
            found = self._facts.get(digest)
            if found is None and digest in self._stored:
                with contextlib.suppress(ValueError, TypeError, KeyError):
                    found = _from_json(self._stored[digest])
                    self._facts[digest] = found
            self._used.add(digest)
        if found is not None:
            return found
        found = _analyse(source)
        with self._lock:
            self._facts[digest] = found
            self._unsaved = self._unsaved or self._folder is not None
        return found

    def save(self) -> None:
        """Writes the facts learned since the file was read, if any (atomically: another
        process reads the old file or the new one, never half of one)."""
        with self._lock:
            if not self._unsaved or self._folder is None:
                return
            self._unsaved = False
            entries = dict(self._stored)
            entries.update({digest: _to_json(f) for digest, f in self._facts.items()})
            if len(entries) > MAX_ENTRIES:
                entries = {d: v for d, v in entries.items() if d in self._used}
            self._stored = entries
            folder = self._folder
        content = json.dumps({"code": _code_digest(), "facts": entries}, separators=(",", ":"))
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".template-facts-")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    stream.write(content)
                os.replace(temporary, folder / FILE_NAME)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise

    def forget(self) -> None:
        """Drops what is in memory (the file stays): the next check analyses again."""
        with self._lock:
            self._facts.clear()
            self._used.clear()
            self._stored = self._read(self._folder) if self._folder is not None else {}

    @staticmethod
    def _read(folder: Path) -> dict[str, Any]:
        try:
            content = json.loads((folder / FILE_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(content, dict) or content.get("code") != _code_digest():
            return {}
        facts = content.get("facts")
        return facts if isinstance(facts, dict) else {}


STORE = FactStore()
