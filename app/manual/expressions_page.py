"""The page of the expression language: its grammar (read from the parser's own docstring),
its operators and functions, and the names a condition may read."""

from __future__ import annotations

import inspect

from engine.check.scope import EXPRESSION_ROOTS, PROCESS_EXPRESSION_ROOTS
from engine.expr import MAX_NESTING_DEPTH, MAX_SOURCE_LENGTH, parser
from engine.expr.lexer import KEYWORDS
from engine.expr.nodes import COMPARISONS, FUNCTION_DEFINITIONS

from .markdown import GENERATED_NOTICE, table
from .scope_words import ROOT_WORDS, attributes_text

# What each comparison does, in the author's words; every operator of COMPARISONS needs one.
OPERATORS = {
    "==": "equal; a text equals only a text, `true` only `true` (`true == 1` is false)",
    "!=": "not equal",
    "<": "less than: numbers with numbers, texts with texts (dates as YYYY-MM-DD compare "
    "as texts); any other pair is false",
    "<=": "less than or equal, as `<`",
    ">": "greater than, as `<`",
    ">=": "greater than or equal, as `<`",
    "in": "member of a list (`funding in ['employer', 'self']`), part of a text, or key of "
    "a mapping",
    "not in": "the opposite of `in`",
}


def _grammar() -> str:
    doc = inspect.cleandoc(parser.__doc__ or "")
    start = doc.index("Grammar")
    lines = doc[start:].split("\n\n")[1]
    return inspect.cleandoc(lines)


def expressions_page() -> str:
    missing = set(COMPARISONS) - set(OPERATORS)
    if missing:
        raise LookupError(f"operators without a description: {', '.join(sorted(missing))}")
    functions = [
        (f"`{d.name}({', '.join('x' for _ in range(d.arity))})`", inspect.getdoc(d.implementation))
        for d in FUNCTION_DEFINITIONS.values()
    ]
    roots = [
        (f"`{root}`", ROOT_WORDS[root], attributes_text(root))
        for root in sorted(PROCESS_EXPRESSION_ROOTS)
    ]
    parts = [
        GENERATED_NOTICE,
        "# Conditions: the expression language",
        "Conditions decide what is shown and what happens: a field's `visible_if` and "
        "`required_if`, a step's `visible_if`, a transition's `condition`, an action's "
        "`when`, a PDF block's `when`. "
        "They are written in a small language of their own, never Python: "
        "`funding == 'employer' and not empty(company)`.",
        "## Grammar",
        "Keywords are lower case and reserved: "
        + ", ".join(f"`{k}`" for k in sorted(KEYWORDS))
        + ". Strings are in single or double quotes; inside, a backslash escapes a quote or "
        "a backslash, and `\\n` is a new line. Numbers are written "
        "`12` or `4.5`; `null` is no value.",
        f"```\n{_grammar()}\n```",
        "Comparisons do not chain (`1 < x < 3` is an error: write `1 < x and x < 3`). There is "
        "no arithmetic. A name that has no value (an unanswered field, a hidden one) is "
        "`null`; a comparison between values that cannot be compared is false, never an "
        f"error. A condition is at most {MAX_SOURCE_LENGTH} characters and "
        f"{MAX_NESTING_DEPTH} levels of parentheses deep.",
        "## Operators",
        table(("operator", "what it does"), ((f"`{op}`", OPERATORS[op]) for op in COMPARISONS)),
        "## Functions",
        table(("function", "what it gives"), functions),
        "## Names",
        "A name is a field's id (its answer: a text, a number, `true`/`false`, a choice's id, "
        "the list of ids of a multi_choice, a date as YYYY-MM-DD), or one of these roots "
        "followed by a dotted attribute. A wizard's conditions read only the answers of the "
        "current and earlier steps.",
        table(("root", "what it is", "attributes"), roots),
        "Read only by the process's conditions (transitions and actions), not in the wizard: "
        + ", ".join(f"`{r}`" for r in sorted(PROCESS_EXPRESSION_ROOTS - EXPRESSION_ROOTS))
        + ".",
    ]
    return "\n\n".join(parts) + "\n"
