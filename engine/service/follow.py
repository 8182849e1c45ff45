""" "Follow or cancel a request": the mail that gives an applicant the link to their requests.
The same answer is given whether or not the address is known, and an address gets at most one
such mail an hour, so the form cannot be used to flood a mailbox."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..compiled import CompiledWorkflow
from ..process.firing import RequestSnapshot
from ..store.models import RequestRow
from . import follow_links
from .context import Runtime
from .effects import inline_css, queue_mail
from .settings_store import overrides
from .transaction import writing


def send_follow_mail(
    db: Session, runtime: Runtime, compiled: CompiledWorkflow, email: str, locale: str
) -> None:
    start = next((a for a in compiled.spec.wizard.start_actions if a.kind == "follow"), None)
    link = next((link for link in compiled.spec.links if link.opens == "follow"), None)
    if start is None or start.mail is None or link is None:
        return
    count = db.execute(
        select(func.count(RequestRow.id)).where(
            RequestRow.workflow_id == compiled.spec.id,
            RequestRow.applicant_email == email,
            RequestRow.submitted_at.is_not(None),
        )
    ).scalar_one()
    if not count:
        return
    lifetime = compiled.duration(link.lifetime, overrides(db, compiled.spec.id))
    now = runtime.now()
    link_id = follow_links.new_id()
    token = follow_links.token(runtime.signer, compiled.spec.id, link_id)
    url = runtime.requests_link_url(compiled.spec.id, token)
    context = compiled.template_context(
        RequestSnapshot(state=compiled.spec.process.initial, answers={}, locale=locale)
    )
    context["links"] = {
        other.id: url if other.id == link.id else "" for other in compiled.spec.links
    }
    rendered = compiled.render_mail(start.mail, context)
    html = inline_css(rendered.html)
    try:
        with writing(db):
            follow_links.store(db, link_id, compiled.spec.id, email, now, lifetime)
            queue_mail(
                db,
                workflow_id=compiled.spec.id,
                request=None,
                dedupe_key=f"follow:{compiled.spec.id}:{email}:{now.strftime('%Y%m%d%H')}",
                template=start.mail,
                rendered=type(rendered)(rendered.subject, rendered.text, html),
                to=[email],
                cc=[],
                attachments=(),
                mail_domain=runtime.settings.mail_domain,
                now=now,
                inlined=True,
            )
    except IntegrityError:
        pass  # already sent within the hour: do not flood the mailbox
