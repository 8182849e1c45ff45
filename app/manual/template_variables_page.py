"""The page of template variables: what the texts of mails, notices, notifications, file names
and PDF layouts may read, context by context, as the checker verifies them."""

from __future__ import annotations

import inspect

from engine.check.scope import SESSION_DOCUMENT_ROOTS, TABLE_LISTS, TEMPLATE_ROOTS
from engine.templating import PRODUCT_FILTERS

from .markdown import GENERATED_NOTICE, table
from .scope_words import ROOT_WORDS, attributes_text, check_words

# The texts that read a request's context, and those that read a training session's.
REQUEST_TEXTS = (
    "mails (`mail_templates/<name>/subject.txt`, `body.txt`, `body.html`), notices of the "
    "wizard (`type: notice`), `notify` messages, the answers an `invite` gives, documents' "
    "`filename`, and the PDF layouts of a request's documents (`of: request`, the default)"
)
SESSION_TEXTS = "the PDF layouts and file names of a training session's documents (`of: session`)"


def _roots_table(roots: frozenset[str]) -> str:
    return table(
        ("variable", "what it holds", "attributes"),
        ((f"`{r}`", ROOT_WORDS[r], attributes_text(r)) for r in sorted(roots)),
    )


def _lists_table() -> str:
    rows = []
    for of, lists in TABLE_LISTS.items():
        for name, attributes in sorted(lists.items()):
            listed = ", ".join(f"`{a}`" for a in sorted(attributes))
            rows.append((f"`of: {of}`", f"`{name}`", listed))
    return table(("document", "rows from", "each row's attributes (`row.<name>`)"), rows)


def _filters_table() -> str:
    rows = []
    for name, function in sorted(PRODUCT_FILTERS.items()):
        doc = " ".join((inspect.getdoc(function) or "").split("\n\n")[0].split())
        rows.append((f"`{name}`", doc))
    return table(("filter", "what it does"), rows)


def template_variables_page() -> str:
    check_words()
    parts = [
        GENERATED_NOTICE,
        "# Template variables",
        "Texts with variables are Jinja2 templates, run in a sandbox: `{{ answers.first_name "
        "}}`, `{% if answers.funding == 'employer' %}...{% endif %}`. HTML mail bodies are "
        "escaped automatically. A variable the context does not supply is an error of "
        "`onboarding validate` (E051), not an empty string at sending time; "
        "`onboarding render-mail WORKFLOW TEMPLATE --sample` shows a mail filled with sample "
        "data.",
        "## A request's texts",
        f"Read by {REQUEST_TEXTS}:",
        _roots_table(TEMPLATE_ROOTS),
        "Every answer field is present in `answers` and `display`, `null` when unanswered, so "
        "`{% if answers.company %}` is safe. In a notice of the wizard, `answers` holds what "
        "the draft has stored so far (the earlier steps' answers), and `transition`, "
        "`account`, `platform_account` and `invitation` are empty.",
        "## A training session's documents",
        f"Read by {SESSION_TEXTS}:",
        _roots_table(SESSION_DOCUMENT_ROOTS),
        "## Filters",
        "Besides Jinja's own filters (`upper`, `default`, `join`...), the product adds:",
        _filters_table(),
        "## Tables of PDF layouts",
        "A `table` block repeats its columns for each item of a list; each cell reads the item "
        "as `row`:",
        _lists_table(),
    ]
    return "\n\n".join(parts) + "\n"
