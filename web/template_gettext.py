"""The gettext functions of the templates (`{% trans %}`, `_()`), in the language of the page
being rendered: each template context carries its `locale` (`web/pages.py`), so one
environment serves every language. They behave as Jinja's "new style" gettext: values are
given by name (`_("Step %(n)s", n=3)`), and are escaped when the template is."""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from engine.translations import language_of, translations


def _finish(context: Context, text: str, values: dict[str, Any]) -> str:
    if context.eval_ctx.autoescape:
        text = Markup(text)
    # As Jinja's new style: always formatted, so a literal "%" is written "%%".
    return text % values


@pass_context
def gettext(context: Context, message: str, /, **values: Any) -> str:
    catalog = translations(language_of(context.get("locale")))
    return _finish(context, catalog.gettext(message), values)


@pass_context
def ngettext(context: Context, singular: str, plural: str, n: int, /, **values: Any) -> str:
    catalog = translations(language_of(context.get("locale")))
    values.setdefault("num", n)
    return _finish(context, catalog.ngettext(singular, plural, n), values)
