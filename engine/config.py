"""The product's own settings (not a workflow's): where the database is, the secret that signs
links and cookies, the public address. Read from the environment (`ONBOARDING_*`)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class AppSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONBOARDING_", extra="ignore")

    project_dir: Path = Field(
        Path("."), description="the folder holding workflows/, forms/, mail_templates/..."
    )
    workflows: str = Field(
        "",
        description="the workflows served, comma-separated: ids of workflows/<id>.yaml or "
        "paths of YAML files relative to project_dir; empty: every file of workflows/",
    )
    reload: bool = Field(
        True, description="a running server takes edited workflows, mails and layouts"
    )
    data_dir: Path = Field(Path("var"), description="SQLite file, secret key, mail sink")
    database_url: str = Field("", description="default: a SQLite file in data_dir")
    database_pool_size: int = Field(
        0,
        ge=0,
        description="connections each process keeps at most; 0: one per handler thread plus a "
        "few (36). Lower it when processes x pool would pass PostgreSQL's max_connections",
    )
    secret_key: SecretStr | None = Field(
        None, description="signs links and cookies; default: generated once into data_dir"
    )
    base_url: str = Field("http://127.0.0.1:8000", description="public address, for mailed links")
    timezone: str = "Europe/Paris"
    locale: str = Field("fr", description="language of the pages shared by every workflow")
    secure_cookies: bool = Field(False, description="set when served over HTTPS")
    draft_cookie_days: int = 30
    session_idle_minutes: int = Field(
        120, ge=1, description="a login unused for this long ends (staff and applicants)"
    )

    # Mail delivery. Without an SMTP host, mails go to a folder (the local mail sink).
    smtp_host: str = Field("", description="empty: deliver to the mail sink folder")
    smtp_port: int = 25
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout: float = 20.0
    mail_from: str = Field("", description="default: the workflow organisation's address")
    # The outbox worker.
    embedded_worker: bool = Field(True, description="`serve` also runs the worker in-process")
    worker_batch: int = 50
    worker_poll_seconds: float = 2.0
    worker_lease_seconds: int = 300
    mail_max_attempts: int = 8
    # Outbound calls (a learning platform, webhooks): attempts before a call fails for good.
    call_max_attempts: int = Field(8, ge=1)
    call_timeout: float = Field(20.0, gt=0, description="seconds for one outbound call")
    # The learning platform a workflow's `lms:` connection reaches. Empty URL: no LMS calls
    # are planned, the workflow runs without one. The token is a secret: never logged.
    lms_url: str = Field("", description="base address of the learning platform")
    lms_token: SecretStr = SecretStr("")
    lms_roles: dict[str, int] = Field(
        default_factory=lambda: {"student": 5},
        description="the platform's role id of each role name the workflows enrol with",
    )
    # Webhooks: each one's signing secret, by webhook id, as a JSON object in the environment
    # (`ONBOARDING_WEBHOOK_SECRETS='{"crm": "..."}'`); never in the workflow's YAML.
    webhook_secrets: dict[str, SecretStr] = Field(
        default_factory=dict, description="signing secret of each webhook, by id (JSON)"
    )
    # Logs: `json` writes one JSON object per line, for log collectors.
    log_format: Literal["text", "json"] = Field("text", description="text or json")

    def engine_options(self) -> dict[str, int]:
        """What `make_engine` takes besides the URL."""
        return {"pool_size": self.database_pool_size} if self.database_pool_size else {}

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'onboarding.sqlite3').as_posix()}"

    def resolved_secret(self) -> str:
        """The configured secret, or one generated on first start and kept in data_dir, so that
        links mailed before a restart keep working."""
        if self.secret_key is not None and self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret.key"
        if path.exists():
            return path.read_text(encoding="ascii").strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(key, encoding="ascii")
        return key

    @property
    def mail_sink(self) -> Path:
        return self.data_dir / "mail-sink"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def mail_domain(self) -> str:
        return urlsplit(self.base_url).hostname or "localhost"
