"""What the services of one running instance share: the workflows, the link signer, the clock,
the product settings. Built once by the web app or the command line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from ..actions.effects import CallOut
from ..config import AppSettings
from ..delivery.lms.platform import LearningPlatform
from .links import LinkSigner
from .workflows import WorkflowRegistry


def _utcnow() -> datetime:
    return datetime.now(UTC)


def default_link_url(base_url: str) -> Callable[[str, str], str]:
    def build(link_id: str, token: str) -> str:
        return f"{base_url.rstrip('/')}/liens/{link_id}/{token}"

    return build


@dataclass
class Runtime:
    settings: AppSettings
    registry: WorkflowRegistry
    signer: LinkSigner
    now: Callable[[], datetime] = _utcnow
    # How a mailed link is written; the web layer owns the URL's shape.
    link_url: Callable[[str, str], str] = field(default=lambda link_id, token: "")
    requests_link_url: Callable[[str, str], str] = field(default=lambda workflow, token: "")
    # A draft's resume link, by the wizard's path and the draft's token (invitations).
    draft_url: Callable[[str, str], str] = field(default=lambda path, token: "")
    # Whether a planned outbound call can be made here (its performer is configured); the
    # composition decides, the services leave out the calls it refuses.
    accepts_call: Callable[[CallOut], bool] = field(default=lambda call: True)
    # The learning platform a workflow's `lms:` connection reaches, built by the composition
    # on the product's settings; None when the workflow has none or it is not configured.
    platform_for: Callable[[str], LearningPlatform | None] = field(default=lambda workflow: None)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def today(self) -> date:
        return self.now().astimezone(self.zone).date()
