"""`onboarding diff`, `onboarding migrate` and `onboarding validate --database` on a database
holding requests of an earlier version, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main

from .conftest import Site
from .journey import requests
from .test_version_moves import STATES, in_every_state
from .versions import changed_project


def url(site: Site) -> str:
    return site.engine.url.render_as_string(hide_password=False)


def use_project(monkeypatch: pytest.MonkeyPatch, site: Site, project: Path, data: Path) -> None:
    monkeypatch.setenv("ONBOARDING_PROJECT_DIR", str(project))
    monkeypatch.setenv("ONBOARDING_DATA_DIR", str(data))
    monkeypatch.setenv("ONBOARDING_DATABASE_URL", url(site))
    monkeypatch.setenv("ONBOARDING_SECRET_KEY", site.settings.resolved_secret())


def test_diff_names_each_change_and_the_requests_it_touches(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    in_every_state(site)
    old_hash = site.runtime.registry.get("onboarding").content_hash
    new_file = changed_project(tmp_path) / "workflows" / "onboarding.yaml"
    assert main(["diff", old_hash[:10], str(new_file), "--database", url(site)]) == 0
    lines = capsys.readouterr().out.splitlines()
    touched = {line.split()[1]: line for line in lines if line.startswith("  ")}
    assert touched["offer_lapsed"].startswith("  - ") and "1 request(s)" in touched["offer_lapsed"]
    assert touched["lapsed"].startswith("  + ")
    assert touched["employer"].startswith("  + ") and "1 request(s) (drafts)" in touched["employer"]
    # The transition into the renamed state leaves from seat_offered: its request is touched.
    assert "1 request(s)" in touched["seat_offer_lapsed"]
    assert f"{len(STATES)} request(s) pinned to {old_hash[:12]}" in lines

    assert (
        main(["diff", old_hash[:10], str(new_file), "--database", url(site), "--format", "json"])
        == 0
    )
    changes = json.loads(capsys.readouterr().out)["changes"]
    assert {"kind": "state", "id": "offer_lapsed", "how": "removed", "requests": 1} in changes


def test_diff_of_an_unknown_version_says_so(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "ffffffff", "--database", url(site)]) == 2
    assert "no stored version" in capsys.readouterr().err


def test_migrate_dry_run_then_refused_then_done(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    references = in_every_state(site)
    old_hash = site.runtime.registry.get("onboarding").content_hash
    unmapped = changed_project(tmp_path, mapped=False)
    use_project(monkeypatch, site, unmapped, tmp_path / "data")

    assert (
        main(["validate", str(unmapped / "workflows" / "onboarding.yaml"), "--database", url(site)])
        == 0
    )
    err = capsys.readouterr().err
    assert "1 request(s) of 'onboarding' in state 'offer_lapsed'" in err
    assert "cannot be migrated" in err

    assert main(["migrate", "onboarding"]) == 1
    out = capsys.readouterr().out
    assert (
        "refused: 1 request(s)" in out and f"offer_lapsed (1): {references['offer_lapsed']}" in out
    )
    assert {r.spec_hash for r in requests(site)} == {old_hash}

    mapped = changed_project(tmp_path, mapped=True)
    use_project(monkeypatch, site, mapped, tmp_path / "data")
    assert main(["migrate", "onboarding", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"would move {len(STATES)} request(s)" in out and "offer_lapsed → lapsed: 1" in out
    assert {r.spec_hash for r in requests(site)} == {old_hash}

    assert main(["migrate", "onboarding"]) == 0
    assert f"moved {len(STATES)} request(s)" in capsys.readouterr().out
    rows = requests(site)
    assert len({r.spec_hash for r in rows}) == 1 and rows[0].spec_hash != old_hash
    assert sorted(r.state for r in rows) == sorted(
        "lapsed" if s == "offer_lapsed" else s for s in STATES
    )
