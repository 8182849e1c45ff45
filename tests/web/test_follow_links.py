"""The "my requests" link says nothing of whom it is for: its address holds no trace of the
applicant's email (it lands in browser histories and access logs), it still opens the list,
expires as before, and a forged one opens nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import secrets
from urllib.parse import quote

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from engine.service.links import LinkSigner
from engine.store.models import FollowLink

from .browser import first_link
from .conftest import Site
from .journey import CODE, mails, submit_request
from .test_accounts_and_follow import APPLICANT, HOST, ask_follow_link

LINK = rf"{HOST}/mes-demandes/onboarding/\S+"


def traces(text: str) -> set[str]:
    """How `text` could show in an address: as is, percent-encoded, in hexadecimal, and in
    base64 (standard or URL-safe) at each of the three alignments it can have inside a longer
    encoded value, keeping only the characters that come from `text` alone."""
    data = text.encode()
    found = {text, quote(text, safe=""), data.hex()}
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data).decode()
        start = (shift * 4 + 2) // 3  # past the characters mixed with the bytes before
        end = (shift + len(data)) // 3 * 4  # before those mixed with the bytes after
        core = encoded[start:end]
        found.update({core, core.replace("+", "-").replace("/", "_")})
    return found


def mailed_link(site: Site) -> str:
    submit_request(site.browser())
    ask_follow_link(site.browser(), APPLICANT)
    [mail] = mails(site, "follow_requests")
    return first_link(mail.text, LINK)


def test_traces_find_the_address_in_the_old_links() -> None:
    # The check below would pass vacuously if `traces` missed a plainly encoded address.
    old = URLSafeTimedSerializer("secret", salt="onboarding-link:requests:onboarding").dumps(
        APPLICANT
    )
    assert any(trace in old for trace in traces(APPLICANT))
    for prefix in ("", "x", "xy"):
        wrapped = base64.urlsafe_b64encode(f"{prefix}{APPLICANT}!".encode()).decode()
        assert any(trace in wrapped for trace in traces(APPLICANT)), prefix


def test_the_mailed_link_holds_no_trace_of_the_address(site: Site) -> None:
    link = mailed_link(site)
    assert APPLICANT.split("@")[0] not in link.lower()
    for text in (APPLICANT, APPLICANT.split("@")[0]):
        for trace in traces(text):
            assert trace not in link, trace


def test_the_link_still_opens_the_list(site: Site) -> None:
    link = mailed_link(site)
    page = site.browser().get(link.removeprefix(HOST))
    assert page.status == 200
    assert page.heading() == "Mes demandes"
    assert f"{CODE}-0001" in page.text


def test_a_forged_link_gets_the_invalid_link_page(site: Site) -> None:
    link = mailed_link(site).removeprefix(HOST)
    base, token = link.rsplit("/", 1)
    ours: LinkSigner = site.runtime.signer  # type: ignore[attr-defined]
    elsewhere = LinkSigner("another secret")
    forged = [
        token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),  # altered signature
        elsewhere.sign("follow-link:onboarding", secrets.token_urlsafe(18)),  # another key
        ours.sign("follow-link:onboarding", secrets.token_urlsafe(18)),  # an id never issued
        ours.sign("requests:onboarding", APPLICANT),  # the former kind of link
        ours.sign("follow", "whatever"),  # another purpose
        "x" * 400,
    ]
    for candidate in forged:
        page = site.browser().get(f"{base}/{candidate}")
        assert page.status == 400, candidate
        assert page.heading() == "Lien non valide"
        assert f"{CODE}-0001" not in page.text
    # Nor does a link of this workflow open another workflow's list.
    page = site.browser().get(f"/mes-demandes/equipment_loan/{token}")
    assert page.status == 400
    assert page.heading() == "Invalid link"  # that workflow speaks English


def test_an_expired_link_says_so_and_its_address_is_erased_later(site: Site) -> None:
    link = mailed_link(site).removeprefix(HOST)
    site.clock.advance(days=31)
    page = site.browser().get(link)
    assert page.status == 410
    assert page.heading() == "Lien expiré"
    # Asking again mails a new link; the expired one's address is no longer kept.
    ask_follow_link(site.browser(), APPLICANT)
    with site.db() as db:
        assert db.execute(select(func.count()).select_from(FollowLink)).scalar_one() == 1
    [_, mail] = sorted(mails(site, "follow_requests"), key=lambda m: m.id)
    fresh = first_link(mail.text, LINK).removeprefix(HOST)
    assert fresh != link
    assert site.browser().get(fresh).status == 200
    assert site.browser().get(link).status == 410
