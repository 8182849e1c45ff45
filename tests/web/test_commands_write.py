"""The operator's commands, run beside serving processes, write as those processes do: in
transactions begun for writing. On SQLite, a command that read first and then wrote in the same
transaction would be refused ("database is locked") whenever a serving process had committed
meanwhile, which a registration rush makes likely."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from app.cli import main
from engine.service.settings_store import effective
from engine.store.models import Account

from .conftest import Site, writes_outside_writing


@contextmanager
def commands_writing_outside_writing() -> Iterator[list[str]]:
    """INSERT, UPDATE and DELETE statements of any engine sent on a connection not begun for
    writing (the migration tool's own bookkeeping aside: migrations run before serving)."""
    found: list[str] = []

    def note(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "alembic_version" not in statement and writes_outside_writing(connection, statement):
            found.append(" ".join(statement.split())[:120])

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield found
    finally:
        event.remove(Engine, "before_cursor_execute", note)


@pytest.fixture
def command_env(site: Site, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Site:
    monkeypatch.setenv("ONBOARDING_DATABASE_URL", site.settings.database_url)
    monkeypatch.setenv("ONBOARDING_PROJECT_DIR", str(site.settings.project_dir))
    monkeypatch.setenv("ONBOARDING_DATA_DIR", str(tmp_path))
    return site


def test_the_commands_that_change_data_write_in_write_transactions(
    command_env: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    site = command_env
    with commands_writing_outside_writing() as found:
        assert main(["db", "upgrade"]) == 0
        assert main(["settings", "onboarding", "test_mode", "true"]) == 0
        assert main(["settings", "onboarding"]) == 0
        user = ["user", "create", "Nouvelle.Gestion@HGI.example", "--role", "admin"]
        assert main([*user, "--password", "mot-de-passe-solide"]) == 0
        assert main(["demo"]) == 0
        assert main(["api-token", "create", "CRM", "--role", "registration_manager"]) == 0
    assert found == []
    printed = capsys.readouterr().out
    assert "test_mode = True" in printed
    assert "user Nouvelle.Gestion@hgi.example  roles admin" in printed
    compiled = site.runtime.registry.get("onboarding")  # type: ignore[attr-defined]
    with site.db() as db:
        assert effective(db, compiled)["test_mode"] is True
        account = db.execute(
            select(Account).where(Account.email == "Nouvelle.Gestion@hgi.example")
        ).scalar_one()
        assert account.roles == ["admin"] and account.active
