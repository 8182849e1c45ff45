"""Bounded input everywhere, checked from the app's route table (so a route added later is
checked too): every path and query parameter declares its bounds; hostile values in each of
them (huge, negative, zero, not a number, very long, a NUL byte, bytes that are not UTF-8) get a
4xx page, never a server error, with an admin logged in so that the backoffice handlers really
run and posts carrying a valid CSRF token; every posted form refuses control characters."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

from annotated_types import Ge, Le, MaxLen
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import select

from engine.store.models import Account, DocumentRow, OutboxMail, RequestRow
from web.app import include_every_route
from web.guard import clean_address
from web.params import ROW_ID_MAX

from .backoffice import PASSWORD, admin, make_user
from .browser import Browser, Page
from .conftest import Site
from .journey import CODE, START, submit_request
from .test_backoffice_access import _api_routes

HOSTILE = {
    "huge": str(10**30),
    "int64": str(2**63),
    "negative": "-1",
    "zero": "0",
    "word": "abc",
    "long": "x" * 5000,
    "nul": "%00",
    "not_utf8": "%ff%fe",
}
# Refused before routing, whatever the parameter.
GUARDED = {"nul", "not_utf8"}
REFUSED_FORM = "Le formulaire envoyé contient des caractères non autorisés"
TRACES = ("Traceback", 'File "/', ".py, line", "sqlalchemy.", "psycopg", "Exception(")


@dataclass(frozen=True)
class Parameter:
    name: str
    where: str  # path or query
    annotation: Any
    metadata: tuple[Any, ...]


def parameters(dependant: Any) -> list[Parameter]:
    """The path and query parameters a route reads, its dependencies' included; a query
    parameter model counts as its fields."""
    found: dict[tuple[str, str], Parameter] = {}
    for where, fields in (("path", dependant.path_params), ("query", dependant.query_params)):
        for field in fields:
            info = field.field_info
            model = info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                for name, inner in model.model_fields.items():
                    name = inner.alias or name
                    found[(where, name)] = Parameter(
                        name, where, inner.annotation, tuple(inner.metadata)
                    )
            else:
                found[(where, field.alias)] = Parameter(
                    field.alias, where, info.annotation, tuple(info.metadata)
                )
    for sub in dependant.dependencies:
        for parameter in parameters(sub):
            found[(parameter.where, parameter.name)] = parameter
    return list(found.values())


def routes(site: Site) -> list[tuple[str, str, list[Parameter]]]:
    """(method, path template, parameters) of every route of the app."""
    include_every_route(site.app)  # the table is read, not reached by a request
    return [
        (method, route.path, parameters(route.dependant))
        for route in _api_routes(site.app.routes)
        for method in sorted(route.methods)
    ]


def _bound(metadata: tuple[Any, ...], kind: type) -> Any:
    return next((m for m in metadata if isinstance(m, kind)), None)


def _bounded_pattern(metadata: tuple[Any, ...]) -> bool:
    pattern = next((getattr(m, "pattern", None) for m in metadata if hasattr(m, "pattern")), None)
    # Anchored, with a bounded repetition last: `^[A-Za-z0-9_-]{1,64}$`.
    return bool(pattern) and pattern.startswith("^") and pattern.endswith("}$")


def unbounded(parameter: Parameter) -> str:
    """Why this parameter accepts values no page can use ("" when it does not)."""
    annotation, metadata = parameter.annotation, parameter.metadata
    if annotation is int:
        low, high = _bound(metadata, Ge), _bound(metadata, Le)
        if low is None or high is None:
            return "an integer without lower and upper bounds"
        if parameter.where == "path" and (low.ge < 1 or high.le > ROW_ID_MAX):
            return f"a row id outside 1..{ROW_ID_MAX} (what an integer column holds)"
        return ""
    # An optional text (a wizard's session code, none for a workflow without sessions) is
    # judged as the text it is when given.
    if annotation is str or set(typing.get_args(annotation)) == {str, type(None)}:
        longest = _bound(metadata, MaxLen)
        if (longest is None or longest.max_length > 500) and not _bounded_pattern(metadata):
            return "a text without a maximum length or a bounded pattern"
        return ""
    if typing.get_origin(annotation) is list:
        [item] = typing.get_args(annotation)
        inner = typing.get_args(item)[1:] if typing.get_origin(item) is typing.Annotated else ()
        lengths = [getattr(c, "max_length", None) for c in inner]
        if _bound(metadata, MaxLen) is None or not any(lengths):
            return "a list without a maximum number of values or of their length"
        return ""
    if typing.get_origin(annotation) is typing.Literal or annotation is bool:
        return ""
    return f"a parameter of type {annotation!r} the test cannot judge"


def test_every_route_parameter_declares_its_bounds(site: Site) -> None:
    found = routes(site)
    assert len(found) > 50, "the route table is read"
    counted = [p for _, _, params in found for p in params]
    assert {"path", "query"} <= {p.where for p in counted}
    problems = [
        (method, path, p.where, p.name, why)
        for method, path, params in found
        for p in params
        if (why := unbounded(p))
    ]
    assert problems == []


# -- hostile values, sent to the running app ---------------------------------------------------


def sound_values(site: Site) -> tuple[dict[str, str], dict[str, str]]:
    """Values that name something real (text, ids), so that, while one parameter is hostile,
    the others let the handler run. The actions named are none, so nothing is changed."""
    compiled = site.runtime.registry.get("onboarding")
    assert compiled is not None
    with site.db() as db:
        request = db.execute(select(RequestRow).where(RequestRow.reference.is_not(None))).scalar()
        assert request is not None
        mail = db.execute(select(OutboxMail.id)).scalar()
        document = db.execute(select(DocumentRow.id)).scalar() or 1
        account = db.execute(select(Account.id).where(Account.email == "admin@hgi.example"))
        account_id = account.scalar_one()
    lists = compiled.spec.reference_lists
    texts = {
        "workflow_id": "onboarding",
        "code": CODE,
        "step_id": compiled.wizard.steps[3].id,
        "field_id": next(iter(compiled.reference_fields())),
        "link_id": compiled.spec.links[0].id,
        "token": "jeton",
        "reference": str(request.reference),
        "transition_id": compiled.spec.process.transitions[0].id,
        "list_id": lists[0].id,
        "entry_id": lists[0].entries[0].id if lists[0].entries else "entree",
        "document_id": compiled.spec.documents[0].id,
        "action": "voir",
    }
    ids = {
        "mail_id": str(mail),
        "document_id": str(document),
        "document_row_id": str(document),
        "account_id": str(account_id),
    }
    return texts, ids


def address(template: str, params: list[Parameter], values: dict[str, str]) -> str:
    url = template
    for p in params:
        if p.where == "path":
            url = url.replace("{" + p.name + "}", values[p.name])
    return url


def tolerant(site: Site, browser: Browser) -> TestClient:
    """The browser's cookies in a client that receives the 500 page instead of raising."""
    client = TestClient(site.app, base_url="http://testserver", raise_server_exceptions=False)
    client.cookies = browser.client.cookies
    return client


def trouble(response: Any) -> str:
    if response.status_code >= 500:
        return f"server error {response.status_code}"
    if any(trace in response.text for trace in TRACES):
        return "a trace in the page"
    location = response.headers.get("location", "")
    if location.startswith("/backoffice/connexion"):
        return "logged out: the handler did not run"
    return ""


def unexpected(label: str, target: Parameter, status: int) -> str:
    """What is wrong with the answer to a hostile value, beyond a server error."""
    if label in GUARDED:
        return "" if status == 400 else "not refused by the address guard (400)"
    if target.where == "path" and target.annotation is int and status != 404:
        return "a number no row can have, not answered 404"
    return ""


def test_hostile_values_in_every_parameter_never_give_a_server_error(site: Site) -> None:
    submit_request(site.browser())
    browser = admin(site)
    browser.get("/backoffice/onboarding/demandes")
    token = browser.csrf()
    assert token, "the backoffice frame holds a form with its CSRF token"
    texts, ids = sound_values(site)
    client = tolerant(site, browser)
    problems: list[tuple[str, str, str, int, str]] = []
    sent = 0
    for method, template, params in routes(site):
        sound = {
            p.name: (ids.get(p.name, "1") if p.annotation is int else texts.get(p.name, "x"))
            for p in params
        }
        for target in params:
            for label, value in HOSTILE.items():
                if target.where == "path":
                    url = address(template, params, {**sound, target.name: value})
                else:
                    url = f"{address(template, params, sound)}?{target.name}={value}"
                data = {"_csrf": token} if method == "POST" else None
                response = client.request(method, url, data=data, follow_redirects=False)
                sent += 1
                why = trouble(response) or unexpected(label, target, response.status_code)
                if why:
                    problems.append((method, template, target.name, response.status_code, why))
    assert sent > 500
    assert problems == []
    # Still logged in: every backoffice request above reached its handler.
    assert browser.get("/backoffice/onboarding/demandes").status == 200


def test_a_bad_query_is_a_400_page_and_a_bad_path_a_404_page(site: Site) -> None:
    browser = admin(site)
    page = browser.get("/backoffice/onboarding/courriels?page=" + "9" * 40)
    assert page.status == 400
    assert "L'adresse demandée contient une valeur invalide" in page.text
    assert page.soup.find("html")["lang"] == "fr"
    page = browser.get(f"/backoffice/onboarding/courriels/{2**31}")
    assert page.status == 404
    assert "Cette page n'existe pas" in page.text
    page = browser.get("/backoffice/onboarding/courriels/12%00")
    assert page.status == 400
    assert "L'adresse demandée contient une valeur invalide" in page.text
    response = browser.client.get(
        f"{START}/recherche/establishment?q=%ff%fe", headers={"accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "invalid address"}
    # Within bounds, unknown values are still ignored by the pages that list things.
    page = browser.get("/backoffice/onboarding/demandes?tri=inconnu&onglet=rien&page=3")
    assert page.status == 200


def test_the_guard_reads_the_address_as_sent() -> None:
    def scope(raw_path: bytes, query: bytes = b"") -> dict[str, Any]:
        return {
            "type": "http",
            "path": raw_path.decode("latin-1"),
            "raw_path": raw_path,
            "query_string": query,
        }

    assert clean_address(scope(b"/inscription/26C03S1"))
    assert clean_address(scope(b"/backoffice/onboarding/demandes", b"q=%C3%A9lodie+martin"))
    assert clean_address(scope(b"/inscription/caf%C3%A9"))
    assert not clean_address(scope(b"/inscription/26C03S1\x00"))
    assert not clean_address(scope(b"/inscription/26C03S1%00"))
    assert not clean_address(scope(b"/inscription/%ff%fe"))
    assert not clean_address(scope(b"/inscription/%C0%80"))  # NUL spelt in two bytes
    assert not clean_address(scope(b"/inscription/\xff"))
    assert not clean_address(scope(b"/backoffice/onboarding/demandes", b"q=%00"))
    assert not clean_address(scope(b"/backoffice/onboarding/demandes", b"q=\x00"))
    assert not clean_address(scope(b"/backoffice/onboarding/demandes", b"q=%e9t%e9"))


# -- posted forms --------------------------------------------------------------------------------


def assert_form_refused(response: Any, where: str) -> None:
    page = Page(response)
    assert page.status == 400, (where, page.status, page.text[:300])
    assert REFUSED_FORM in page.text, (where, page.text[:300])
    assert page.soup.find("html")["lang"] == "fr"


def test_every_posted_form_refuses_control_characters(site: Site) -> None:
    """Every route that takes a post reads its form through the guarded dependency: a NUL byte
    or an escape character in any field refuses the whole form before the handler runs."""
    submit_request(site.browser())
    browser = admin(site)
    browser.get("/backoffice/onboarding/demandes")
    token = browser.csrf()
    texts, ids = sound_values(site)
    client = tolerant(site, browser)
    posts = [(path, params) for method, path, params in routes(site) if method == "POST"]
    assert len(posts) > 15
    for template, params in posts:
        sound = {
            p.name: (ids.get(p.name, "1") if p.annotation is int else texts.get(p.name, "x"))
            for p in params
        }
        url = address(template, params, sound)
        for typed in ({"comment": "a\x00b"}, {"comment\x1b": "a"}, {"content": "a;b\x0c"}):
            response = client.post(url, data={"_csrf": token, **typed}, follow_redirects=False)
            assert_form_refused(response, f"POST {template} {typed!r}")
    assert browser.get("/backoffice/onboarding/demandes").status == 200


def test_a_file_holding_nul_bytes_is_refused(site: Site) -> None:
    browser = admin(site)
    url = "/backoffice/onboarding/sessions/import"
    browser.get(url)
    data = b"code;title\nS9\x00;Session\n"
    response = browser.client.post(
        url,
        data={"_csrf": browser.csrf(), "_nav": "apercu"},
        files={"file": ("sessions.csv", data, "text/csv")},
    )
    assert_form_refused(response, url)


def test_a_nul_byte_in_a_login_email_is_refused_and_counts_for_nothing(site: Site) -> None:
    make_user(site, "admin@hgi.example", ["admin"])
    for url in ("/backoffice/connexion", f"{START}/connexion", f"{START}/suivi"):
        browser = site.browser()
        browser.client = TestClient(
            site.app, base_url="http://testserver", raise_server_exceptions=False
        )
        browser.get(url)
        for _ in range(6):  # more than the attempts the throttle allows
            page = browser.submit(
                {"email": "admin\x00@hgi.example", "password": PASSWORD}, nav=None
            )
            assert_form_refused(page.response, url)
            browser.get(url)
    browser = site.browser()
    browser.get("/backoffice/connexion")
    browser.submit({"email": "admin@hgi.example", "password": PASSWORD}, nav=None)
    assert "Se déconnecter" in browser.get("/backoffice/onboarding/demandes").text
