"""The engine and the web layer must stay generic: no word of the onboarding domain in them."""

from __future__ import annotations

import re
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
DOMAIN_WORDS = re.compile(
    r"\bmandats?\b|collectivit|\bmaires?\b|alimentaire|handicap|covoiturage|\bbulletin"
    r"|\bHGI\b|26C03|dietary|disabilit|establishment|\bmandate",
    re.IGNORECASE,
)


def _sources() -> list[Path]:
    return [
        path
        for folder in ("engine", "web")
        if (PROJECT / folder).is_dir()
        for path in (PROJECT / folder).rglob("*")
        if path.suffix in {".py", ".html", ".js", ".css", ".j2"}
    ]


def test_engine_and_web_do_not_know_the_onboarding_domain() -> None:
    hits = [
        f"{path.relative_to(PROJECT)}:{number}: {line.strip()}"
        for path in _sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if DOMAIN_WORDS.search(line)
    ]
    assert hits == []


def test_the_vocabulary_check_finds_a_planted_word(tmp_path: Path) -> None:
    # The check above would pass vacuously if it read no file or its pattern never matched.
    assert len(_sources()) > 20
    assert DOMAIN_WORDS.search("if answers['dietary_constraints']:")
    assert DOMAIN_WORDS.search("Contraintes alimentaires")
