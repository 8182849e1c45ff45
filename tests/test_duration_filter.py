"""The `duration` filter of organisations' templates: a duration setting said in words, in the
request's language and in the unit it was written in."""

from __future__ import annotations

import pytest

from engine.templating import make_environment


@pytest.mark.parametrize(
    ("written", "locale", "said"),
    [
        ("3d", "fr", "3 jours"),
        ("1d", "fr", "1 jour"),
        ("36h", "fr", "36 heures"),
        ("30min", "en", "30 minutes"),
        ("2w", "en", "2 weeks"),
        ("1w", "fr", "1 semaine"),
        ("trois jours", "fr", "trois jours"),  # not a duration: shown as written
    ],
)
def test_a_duration_is_said_in_words(written: str, locale: str, said: str) -> None:
    template = make_environment().from_string("{{ value | duration }}")
    # Babel keeps the number and its unit together with a no-break space, as French wants.
    assert template.render(value=written, request={"locale": locale}).replace("\xa0", " ") == said


def test_without_a_request_it_is_said_in_french() -> None:
    template = make_environment().from_string("{{ value | duration }}")
    assert template.render(value="2d") == "2\xa0jours"
