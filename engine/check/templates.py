"""Mail templates, notices and PDF layout texts: they must parse, and use only variables the
workflow can supply (checked with Jinja's own parser, down to attribute names)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

from ..spec.fields import BaseField, NoticeField
from ..spec.layout import PdfLayout, TableBlock
from ..spec.locate import Locator
from ..spec.source import Position
from ..spec_types import Text
from .context import CheckContext, PathT
from .diagnostics import Diagnostic
from .loader import MAIL_LAYOUTS, MAIL_PARTS
from .scope import SESSION_DOCUMENT_ROOTS, TABLE_LISTS, TEMPLATE_ROOTS
from .shape import suggestion
from .template_facts import STORE


def _known_templates(ctx: CheckContext) -> set[str]:
    return {f"{MAIL_LAYOUTS}/{name}" for name in ctx.loaded.mail_layouts} | {
        f"{mail.name}/{part}" for mail in ctx.loaded.mails.values() for part in mail.parts
    }


def _check_source(
    ctx: CheckContext,
    source: str,
    origin: Position,
    line_offset: int,
    what: str,
    roots: frozenset[str] = TEMPLATE_ROOTS,
    local: Mapping[str, frozenset[str]] | None = None,
) -> None:
    """`origin`: where line 1 of the template is; `line_offset` is added to template lines.
    `roots` are the names of the context; `local`, names a table gives its cells (`row`,
    `column`) with the attributes of their items."""
    local = local or {}

    def at(line: int) -> Position:
        if line_offset < 0:  # written inline in YAML: point at the value itself
            return origin
        return Position(origin.file, origin.line + line - 1 + line_offset, 1)

    facts = STORE.facts(source)
    if facts.error is not None:
        message, line = facts.error
        ctx.diagnostics.append(
            Diagnostic("E050", f"{what}: template syntax error: {message}", at(line))
        )
        return
    for name in facts.templates:
        known = _known_templates(ctx)
        if name not in known:
            ctx.diagnostics.append(
                Diagnostic(
                    "E015",
                    f"{what} uses the unknown mail template '{name}'{suggestion(name, known)}",
                    origin if line_offset < 0 else Position(origin.file, origin.line, 1),
                    f"shared frames go in mail_templates/{MAIL_LAYOUTS}/",
                )
            )
    reported: set[str] = set()
    for use in facts.uses:
        root = use.parts[0]
        if root in local:
            attributes = local[root]
            problem = (
                f"'{root}.{use.parts[1]}'{suggestion(use.parts[1], attributes)}"
                if len(use.parts) > 1 and use.parts[1] not in attributes
                else ""
            )
        elif root not in roots:
            problem = f"'{root}'{suggestion(root, roots | set(local))}"
        else:
            problem = ctx.scope.unknown_in_path(list(use.parts)) or ""
        if problem and problem not in reported:
            reported.add(problem)
            ctx.diagnostics.append(
                Diagnostic(
                    "E051",
                    f"{what} uses {problem}, which the workflow does not supply",
                    at(use.line),
                    f"available: {', '.join(sorted(roots | set(local)))}"
                    if root not in roots and root not in local
                    else None,
                )
            )


def _translations(text: Text) -> Iterator[tuple[str | None, str]]:
    if isinstance(text, str):
        yield None, text
    else:
        yield from text.items()


def check_text(
    ctx: CheckContext,
    text: Text,
    path: PathT,
    what: str,
    locator: Locator | None = None,
    roots: frozenset[str] = TEMPLATE_ROOTS,
    local: Mapping[str, frozenset[str]] | None = None,
) -> None:
    """A translatable text written in YAML whose strings are templates."""
    locator = locator or ctx.locator
    for locale, source in _translations(text):
        full_path = path if locale is None else (*path, locale)
        style = locator.style(full_path)
        origin = locator.at(full_path)
        # Block scalars start on the line after the `|`; inline strings have no line structure.
        offset = 1 if style in ("|", ">") else -1
        _check_source(ctx, source, origin, offset, what, roots, local)


def check_mail_templates(ctx: CheckContext) -> None:
    for name, source in ctx.loaded.mail_layouts.items():
        where = os.path.relpath(ctx.loaded.root / "mail_templates" / MAIL_LAYOUTS / name)
        _check_source(ctx, source, Position(where, 1, 1), 0, f"mail layout '{name}'")
    for mail in ctx.loaded.mails.values():
        for part in MAIL_PARTS:
            source = mail.parts.get(part)
            where = f"{mail.folder}/{part}"
            if source is None:
                ctx.diagnostics.append(
                    Diagnostic(
                        "E052",
                        f"mail template '{mail.name}' has no {part}",
                        Position(mail.folder, 1, 1),
                        "a mail has three parts: subject.txt, body.txt and body.html",
                    )
                )
                continue
            _check_source(ctx, source, Position(where, 1, 1), 0, f"mail '{mail.name}' {part}")
            if part == "subject.txt" and len(source.strip().splitlines()) > 1:
                ctx.diagnostics.append(
                    Diagnostic(
                        "E005",
                        f"mail '{mail.name}': the subject must be one line",
                        Position(where, 2, 1),
                    )
                )


def check_workflow_texts(ctx: CheckContext) -> None:
    for i, step in enumerate(ctx.workflow.wizard.steps):
        for j, item in enumerate(step.fields):
            if isinstance(item, NoticeField) and isinstance(item, BaseField):
                check_text(
                    ctx,
                    item.text,
                    ("wizard", "steps", i, "fields", j, "text"),
                    f"notice '{item.id}'",
                )
    for i, document in enumerate(ctx.workflow.documents):
        check_text(
            ctx,
            document.filename,
            ("documents", i, "filename"),
            f"file name of document '{document.id}'",
        )
    for i, transition in enumerate(ctx.workflow.process.transitions):
        for j, action in enumerate(transition.actions):
            answers = getattr(action.params, "answers", None)
            if isinstance(answers, dict):
                for field_id, text in answers.items():
                    check_text(
                        ctx,
                        text,
                        (
                            "process",
                            "transitions",
                            i,
                            "actions",
                            j,
                            action.kind,
                            "answers",
                            field_id,
                        ),
                        f"answer '{field_id}' of transition '{transition.id}'",
                    )
            message = getattr(action.params, "message", None)
            if message is not None:
                check_text(
                    ctx,
                    message,
                    ("process", "transitions", i, "actions", j, action.kind, "message"),
                    f"message of transition '{transition.id}'",
                )


Local = Mapping[str, frozenset[str]]


def _layout_texts(
    layout: PdfLayout, lists: Mapping[str, frozenset[str]]
) -> Iterator[tuple[Text, PathT, Local]]:
    """Every text of a layout, with the names a table gives its cells: `row` (the item of its
    rows' list) in a column's value, `column` (the item of the signature columns' list) in
    their header; an unknown list gives its items no attribute to check."""
    yield layout.title, ("title",), {}
    yield layout.author, ("author",), {}
    if layout.header is not None:
        yield layout.header, ("header",), {}
    if layout.footer is not None:
        yield layout.footer, ("footer",), {}
    for i, block in enumerate(layout.blocks):
        for key in ("text", "title", "empty"):
            value = getattr(block, key, None)
            if value is not None:
                yield value, ("blocks", i, key), {}
        if isinstance(block, TableBlock):
            row = lists.get(block.rows)
            for j, column in enumerate(block.columns):
                yield column.header, ("blocks", i, "columns", j, "header"), {}
                cells = {"row": row} if row is not None else {}
                yield column.value, ("blocks", i, "columns", j, "value"), cells
            if block.signature_columns is not None:
                each = lists.get(block.signature_columns.each)
                yield (
                    block.signature_columns.header,
                    ("blocks", i, "signature_columns", "header"),
                    {"column": each} if each is not None else {},
                )
            continue
        for j, row_spec in enumerate(getattr(block, "rows", ())):
            yield row_spec.label, ("blocks", i, "rows", j, "label"), {}
            yield row_spec.value, ("blocks", i, "rows", j, "value"), {}
        for j, box in enumerate(getattr(block, "boxes", ())):
            yield box.label, ("blocks", i, "boxes", j, "label"), {}


def _check_tables(
    ctx: CheckContext, name: str, layout: PdfLayout, kind: str, locator: Locator
) -> None:
    lists = TABLE_LISTS[kind]
    for i, block in enumerate(layout.blocks):
        if not isinstance(block, TableBlock):
            continue
        named = [(block.rows, ("blocks", i, "rows"))]
        if block.signature_columns is not None:
            named.append((block.signature_columns.each, ("blocks", i, "signature_columns", "each")))
        for list_name, path in named:
            if list_name not in lists:
                ctx.unknown(
                    "E078",
                    f"list of layout '{name}' (a {kind}'s document)",
                    list_name,
                    lists,
                    path,
                    f"a {kind}'s document lists: {', '.join(sorted(lists))}",
                    locator=locator,
                )


def check_layouts(ctx: CheckContext) -> None:
    """Each layout against what the documents that use it supply: a request's documents the
    names of mails, a session's documents the session, its half-days and its participants."""
    kinds: dict[str, set[str]] = {}
    for document in ctx.workflow.documents:
        if document.layout is not None and document.kind == "pdf":
            kinds.setdefault(document.layout, set()).add(document.of)
    for layout in ctx.loaded.layouts.values():
        if layout.model is None:
            continue
        for kind in sorted(kinds.get(layout.name, {"request"})):
            roots = TEMPLATE_ROOTS if kind == "request" else SESSION_DOCUMENT_ROOTS
            lists = TABLE_LISTS[kind]
            _check_tables(ctx, layout.name, layout.model, kind, layout.locator)
            for text, path, local in _layout_texts(layout.model, lists):
                check_text(
                    ctx,
                    text,
                    path,
                    f"layout '{layout.name}'"
                    + (" (a session's document)" if kind == "session" else ""),
                    locator=layout.locator,
                    roots=roots,
                    local=local,
                )
