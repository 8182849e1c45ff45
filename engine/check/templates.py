"""Mail templates, notices and PDF layout texts: they must parse, and use only variables the
workflow can supply (checked with Jinja's own parser, down to attribute names)."""

from __future__ import annotations

import os
from collections.abc import Iterator

from ..spec.fields import BaseField, NoticeField
from ..spec.layout import PdfLayout
from ..spec.locate import Locator
from ..spec.source import Position
from ..spec_types import Text
from .context import CheckContext, PathT
from .diagnostics import Diagnostic
from .loader import MAIL_LAYOUTS, MAIL_PARTS
from .scope import TEMPLATE_ROOTS
from .shape import suggestion
from .template_facts import STORE


def _known_templates(ctx: CheckContext) -> set[str]:
    return {f"{MAIL_LAYOUTS}/{name}" for name in ctx.loaded.mail_layouts} | {
        f"{mail.name}/{part}" for mail in ctx.loaded.mails.values() for part in mail.parts
    }


def _check_source(
    ctx: CheckContext, source: str, origin: Position, line_offset: int, what: str
) -> None:
    """`origin`: where line 1 of the template is; `line_offset` is added to template lines."""

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
        if root not in TEMPLATE_ROOTS:
            problem = f"'{root}'{suggestion(root, TEMPLATE_ROOTS)}"
        else:
            problem = ctx.scope.unknown_in_path(list(use.parts)) or ""
        if problem and problem not in reported:
            reported.add(problem)
            ctx.diagnostics.append(
                Diagnostic(
                    "E051",
                    f"{what} uses {problem}, which the workflow does not supply",
                    at(use.line),
                    f"available: {', '.join(sorted(TEMPLATE_ROOTS))}"
                    if root not in TEMPLATE_ROOTS
                    else None,
                )
            )


def _translations(text: Text) -> Iterator[tuple[str | None, str]]:
    if isinstance(text, str):
        yield None, text
    else:
        yield from text.items()


def check_text(
    ctx: CheckContext, text: Text, path: PathT, what: str, locator: Locator | None = None
) -> None:
    """A translatable text written in YAML whose strings are templates."""
    locator = locator or ctx.locator
    for locale, source in _translations(text):
        full_path = path if locale is None else (*path, locale)
        style = locator.style(full_path)
        origin = locator.at(full_path)
        # Block scalars start on the line after the `|`; inline strings have no line structure.
        offset = 1 if style in ("|", ">") else -1
        _check_source(ctx, source, origin, offset, what)


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
            message = getattr(action.params, "message", None)
            if message is not None:
                check_text(
                    ctx,
                    message,
                    ("process", "transitions", i, "actions", j, action.kind, "message"),
                    f"message of transition '{transition.id}'",
                )


def _layout_texts(layout: PdfLayout) -> Iterator[tuple[Text, PathT]]:
    yield layout.title, ("title",)
    yield layout.author, ("author",)
    if layout.header is not None:
        yield layout.header, ("header",)
    if layout.footer is not None:
        yield layout.footer, ("footer",)
    for i, block in enumerate(layout.blocks):
        for key in ("text", "title"):
            value = getattr(block, key, None)
            if value is not None:
                yield value, ("blocks", i, key)
        for j, row in enumerate(getattr(block, "rows", ())):
            yield row.label, ("blocks", i, "rows", j, "label")
            yield row.value, ("blocks", i, "rows", j, "value")
        for j, box in enumerate(getattr(block, "boxes", ())):
            yield box.label, ("blocks", i, "boxes", j, "label")


def check_layouts(ctx: CheckContext) -> None:
    for layout in ctx.loaded.layouts.values():
        if layout.model is None:
            continue
        for text, path in _layout_texts(layout.model):
            check_text(ctx, text, path, f"layout '{layout.name}'", locator=layout.locator)
