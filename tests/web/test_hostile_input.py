"""Hostile or careless input: markup, huge texts, control characters, forged forms and URLs.
Nothing may raise a server error or show a Python traceback; markup is stored as typed and
shown escaped; control characters never reach the database or a mail."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .browser import Browser, Page
from .journey import ANSWERS, CODE, START, STEPS, fill_until, mails, requests, step_of

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


def tolerant_browser(site: Any) -> Browser:
    """A browser that receives the 500 page instead of the test raising the server's error,
    so the test can say which URL answered it."""
    browser = site.browser()
    browser.client = TestClient(
        site.app, base_url="http://testserver", raise_server_exceptions=False
    )
    return browser


def assert_sound(page: Page) -> None:
    assert page.status < 500, (page.url, page.status, page.text[:300])
    for trace in ("Traceback", 'File "/', ".py, line", "sqlalchemy.", "psycopg", "Exception("):
        assert trace not in page.html, (page.url, trace)


def no_control_characters(text: str) -> bool:
    return all(unicodedata.category(c)[0] != "C" for c in text)


# -- markup -----------------------------------------------------------------------------------


def test_markup_is_stored_as_typed_and_shown_escaped(site: Any) -> None:
    browser = tolerant_browser(site)
    page = fill_until(browser, "establishment")
    typed = {
        "first_name": SCRIPT,
        "last_name": IMG,
        "expectations": f"{SCRIPT}\n{IMG}",
    }
    page = browser.submit({**ANSWERS["trainee"], **typed})
    assert_sound(page)
    assert step_of(page) == "mandate"
    [request] = requests(site)
    assert request.answers["first_name"] == SCRIPT
    assert request.answers["last_name"] == IMG
    assert request.answers["expectations"] == f"{SCRIPT}\n{IMG}"
    page = browser.get(f"{START}/etape/trainee")
    assert_sound(page)
    assert page.value("first_name") == SCRIPT
    assert page.value("last_name") == IMG
    assert page.value("expectations") == f"{SCRIPT}\n{IMG}"
    assert SCRIPT not in page.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.html
    assert "<img src=x" not in page.html
    assert not page.soup.select("img[onerror]")
    scripts = [str(s.get("src", "")) for s in page.soup.find_all("script")]
    assert len(scripts) == 1 and scripts[0].split("?")[0] == "/static/app.js", scripts


def test_markup_typed_with_an_error_is_shown_back_escaped(site: Any) -> None:
    browser = tolerant_browser(site)
    fill_until(browser, "establishment")
    page = browser.submit({**ANSWERS["trainee"], "first_name": SCRIPT, "phone": IMG})
    assert_sound(page)
    assert page.status == 422
    assert page.value("first_name") == SCRIPT
    assert page.value("phone") == IMG
    assert SCRIPT not in page.html
    assert "<img src=x" not in page.html
    assert not page.soup.select("img[onerror]")


def test_markup_in_the_name_is_escaped_in_the_confirmation_mail(site: Any) -> None:
    browser = tolerant_browser(site)
    page = fill_until(browser, "terms", {"trainee": {"first_name": IMG, "last_name": SCRIPT}})
    assert_sound(page)
    assert "Demande envoyée" in page.text
    [mail] = mails(site, "confirm_email")
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert SCRIPT not in mail.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html
    assert "<img src=x" not in mail.html
    # The text part is plain text: the name as typed.
    assert f"Madame {SCRIPT}" in mail.text
    # The page that confirms the submission does not run it either.
    assert SCRIPT not in page.html


# -- long texts -------------------------------------------------------------------------------


def test_ten_thousand_characters_in_a_200_character_field(site: Any) -> None:
    browser = tolerant_browser(site)
    page = fill_until(browser, "trainee")
    assert step_of(page) == "mandate"
    page = browser.submit({"mandate": "autre", "first_mandate_year": "2020"})
    assert_sound(page)
    assert "mandate_other" in page.visible_fields()
    page = browser.submit({"mandate_other": "x" * 10_000})
    assert_sound(page)
    assert page.status == 422
    message = page.field_error("mandate_other")
    assert "ne peut pas dépasser 200 caractères" in message, message
    assert message in page.summary
    [request] = requests(site)
    assert "mandate_other" not in request.answers


def test_ten_thousand_characters_in_a_name(site: Any) -> None:
    browser = tolerant_browser(site)
    fill_until(browser, "establishment")
    page = browser.submit({**ANSWERS["trainee"], "last_name": "M" * 10_000})
    assert_sound(page)
    assert page.status == 422
    assert "ne peut pas dépasser 100 caractères" in page.field_error("last_name")


def test_three_thousand_characters_of_expectations_are_accepted(site: Any) -> None:
    browser = tolerant_browser(site)
    fill_until(browser, "establishment")
    text = ("Rénover les écoles, mutualiser les équipements.\n" * 70)[:2999] + "."
    assert len(text) == 3000
    page = browser.submit({**ANSWERS["trainee"], "expectations": text})
    assert_sound(page)
    assert step_of(page) == "mandate"
    [request] = requests(site)
    assert request.answers["expectations"] == text
    page = browser.get(f"{START}/etape/trainee")
    assert page.value("expectations") == text


# -- control characters and line breaks -------------------------------------------------------


REFUSED = "Le formulaire envoyé contient des caractères non autorisés"


def assert_refused(page: Page) -> None:
    """The form was refused as a whole, with a French page saying why."""
    assert_sound(page)
    assert page.status == 400, (page.url, page.status, page.text[:300])
    assert REFUSED in page.text
    assert page.soup.find("html")["lang"] == "fr"


def test_control_characters_refuse_the_form_and_nothing_is_stored(site: Any) -> None:
    browser = tolerant_browser(site)
    fill_until(browser, "establishment")
    for typed in (
        {"first_name": "Ca\x00mille"},
        {"first_name": "Ca\x1b[31mmille"},
        {"last_name": "Martin\x07"},
        {"expectations": "Première ligne\x00\nDeuxième ligne"},
        {"phone": "06 12 34 56 78\x7f"},
        {"last_name": "Mar\x85tin"},  # a C1 control (NEL)
    ):
        page = browser.submit({**ANSWERS["trainee"], **typed})
        assert_refused(page)
        [request] = requests(site)
        assert "first_name" not in request.answers
        assert request.current_step == "trainee"
        page = browser.get(f"{START}/etape/trainee")
        assert step_of(page) == "trainee"
    # Tabs and line breaks belong in a text area; invisible format characters are removed.
    page = browser.submit(
        {
            **ANSWERS["trainee"],
            "first_name": "Camille\u202e",
            "last_name": "\u202eMartin",
            "expectations": "Première\tligne\r\nDeuxième ligne\u202e",
        }
    )
    assert_sound(page)
    assert step_of(page) == "mandate"
    [request] = requests(site)
    assert request.answers["first_name"] == "Camille"
    assert request.answers["last_name"] == "Martin"
    lines = request.answers["expectations"].split("\n")
    assert [" ".join(line.split()) for line in lines] == ["Première ligne", "Deuxième ligne"]
    page = browser.get(f"{START}/etape/trainee")
    assert "\u202e" not in page.html


def test_line_breaks_in_one_line_fields(site: Any) -> None:
    browser = tolerant_browser(site)
    page = fill_until(
        browser,
        "terms",
        {"trainee": {"first_name": "Jean\r\nPierre", "last_name": "Martin\nBcc: x@evil.example"}},
    )
    assert_sound(page)
    assert "Demande envoyée" in page.text
    [request] = requests(site)
    for name in ("first_name", "last_name"):
        assert "\n" not in request.answers[name] and "\r" not in request.answers[name]
    assert request.answers["first_name"].split() == ["Jean", "Pierre"]
    [mail] = mails(site, "confirm_email")
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert mail.to == ["camille.martin@example.org"]
    assert mail.cc == []


def test_control_characters_in_every_kind_of_field(site: Any) -> None:
    """Radios, checkboxes, search box, email, postal code, year, the wizard's own controls: a
    NUL byte anywhere refuses the form, on every database, and nothing of it is stored."""
    browser = tolerant_browser(site)
    browser.get(START)
    assert_refused(browser.submit({"_action": "new_request\x00", "session_code": f"{CODE}\x00"}))
    assert requests(site) == []
    page = browser.get(START)
    page = browser.submit({})
    assert step_of(page) == "funding"
    assert_refused(browser.submit({"funding_method": "establishment\x00"}))
    page = browser.get(f"{START}/etape/funding")
    page = browser.submit({"funding_method": "establishment"})
    assert step_of(page) == "establishment"
    assert_refused(browser.submit({"establishment__q": "ly\x00on\x1b"}, nav="search"))
    page = browser.get(f"{START}/etape/establishment")
    assert_refused(browser.submit({"establishment": "ville_lyon\x00"}))
    page = browser.get(f"{START}/etape/establishment")
    assert_refused(browser.submit({"establishment\x00": "ville_lyon"}))  # in a field's name
    page = browser.get(f"{START}/etape/establishment")
    page = browser.submit({"establishment": "ville_lyon"})
    assert step_of(page) == "trainee"
    for name, value in {
        "email": "camille\x00@example.org",
        "email__confirm": "camille\x00@example.org",
        "postal_code": "690\x0001",
        "phone": "06\x0012345678",
        "civility": "mme\x00",
    }.items():
        assert_refused(browser.submit({**ANSWERS["trainee"], name: value}))
        page = browser.get(f"{START}/etape/trainee")
    page = browser.submit(ANSWERS["trainee"])
    assert step_of(page) == "mandate"
    assert_refused(browser.submit({"mandate": "maire", "first_mandate_year": "20\x0020"}))
    [request] = requests(site)
    assert "mandate" not in request.answers
    for value in request.answers.values():
        assert no_control_characters(str(value)), request.answers


# -- forged forms -----------------------------------------------------------------------------


def test_unknown_field_names_are_ignored(site: Any) -> None:
    browser = tolerant_browser(site)
    fill_until(browser, "establishment")
    page = browser.submit(
        {
            **ANSWERS["trainee"],
            "state": "registered",
            "reference": "HACK-0001",
            "answers[first_name]": "X",
            "__class__": "x",
            "session_code": "26C05S1",
            "funding_method": "personal",
            "_workflow": "equipment_loan",
        }
    )
    assert_sound(page)
    assert step_of(page) == "mandate"
    [request] = requests(site)
    for name in ("state", "reference", "answers[first_name]", "__class__", "_workflow"):
        assert name not in request.answers
    assert request.state == "draft"
    assert request.reference is None
    # Answers of other steps cannot be slipped into this one.
    assert request.answers["session_code"] == CODE
    assert request.answers["funding_method"] == "establishment"
    assert request.session_code == CODE


def test_a_field_sent_500_times(site: Any) -> None:
    browser = tolerant_browser(site)
    fill_until(browser, "establishment")
    page = browser.submit(
        {
            **ANSWERS["trainee"],
            "first_name": [f"Camille{i}" for i in range(500)],
            "civility": ["m", "mme"] * 100,
            "expectations": ["x" * 100] * 100,
        }
    )
    assert_sound(page)
    assert page.status == 200, page.summary
    assert step_of(page) == "mandate"
    [request] = requests(site)
    # One value is kept, one of those sent; never a list in a one-value field.
    assert request.answers["first_name"] in {f"Camille{i}" for i in range(500)}
    assert request.answers["civility"] in ("m", "mme")
    assert request.answers["expectations"] == "x" * 100


def test_too_many_fields_are_refused_without_a_server_error(site: Any) -> None:
    browser = tolerant_browser(site)
    fill_until(browser, "establishment")
    page = browser.submit({**ANSWERS["trainee"], **{f"f{i}": "x" for i in range(3000)}})
    assert_sound(page)
    assert page.status == 400
    assert "Requête invalide" in page.text
    assert page.soup.find("html")["lang"] == "fr"
    [request] = requests(site)
    assert "first_name" not in request.answers


def test_a_huge_shown_list(site: Any) -> None:
    browser = tolerant_browser(site)
    fill_until(browser, "mandate")
    # Large, within the size of a form field: read (its first part) and ignored where unknown.
    shown = ",".join(f"f{i}" for i in range(6_000))
    page = browser.submit({"dietary_constraints": "yes"}, _shown=shown)
    assert_sound(page)
    assert page.status == 200
    assert step_of(page) == "dietary"
    assert "dietary_details" in page.visible_fields()
    page = browser.submit({"dietary_constraints": "no"}, _shown="," * 15_000)
    assert_sound(page)
    assert step_of(page) == "disability"
    # Larger than a form field may be: refused, with a page.
    page = browser.get(f"{START}/etape/dietary")
    page = browser.submit({"dietary_constraints": "yes"}, _shown="dietary_details," * 50_000)
    assert_sound(page)
    assert page.status == 400
    assert "Requête invalide" in page.text
    [request] = requests(site)
    assert request.answers["dietary_constraints"] is False


def test_a_forged_start_action_and_navigation(site: Any) -> None:
    browser = tolerant_browser(site)
    browser.get(START)
    page = browser.submit({"_action": "drop_table"}, nav="teleport")
    assert_sound(page)
    page = browser.get(START)
    page = browser.submit({"_action": SCRIPT}, nav=SCRIPT)
    assert_sound(page)
    assert SCRIPT not in page.html


def test_a_post_without_csrf_token_is_refused_politely(site: Any) -> None:
    browser = tolerant_browser(site)
    page = fill_until(browser, "establishment")
    page = browser.submit({**ANSWERS["trainee"], "_csrf": "forged"})
    assert_sound(page)
    assert page.status == 400
    assert "Le formulaire a expiré" in page.text
    # What was typed is shown back.
    assert page.value("first_name") == "Camille"
    [request] = requests(site)
    assert "first_name" not in request.answers


# -- forged URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "step_id", ["nope", "submit", "session_code", "Trainee", "..%2F..%2Fetc", "a" * 300]
)
def test_a_step_that_does_not_exist(site: Any, step_id: str) -> None:
    browser = tolerant_browser(site)
    fill_until(browser, "funding")
    page = browser.get(f"{START}/etape/{step_id}")
    assert_sound(page)
    if page.status == 200:
        assert step_of(page) == "establishment"
    else:
        assert page.status == 404
        assert "Cette page n'existe pas" in page.text
    response = browser.client.post(f"{START}/etape/{step_id}", data={"_nav": "next"})
    assert_sound(Page(response))
    [request] = requests(site)
    assert request.current_step == "establishment"


def test_a_step_url_without_a_draft_leads_to_the_start(site: Any) -> None:
    browser = tolerant_browser(site)
    page = browser.get(f"{START}/etape/terms")
    assert_sound(page)
    assert page.status == 200
    assert step_of(page) == "session"
    response = browser.client.post(f"{START}/etape/terms", data={"terms_accepted": "on"})
    assert_sound(Page(response))
    assert requests(site) == []


@pytest.mark.parametrize(
    "url",
    [
        "/inscription/..%2F",
        "/inscription/..%2F..%2Fetc%2Fpasswd",
        "/inscription/<script>",
        "/inscription/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/inscription/%00",
        "/inscription/26C03S1%00",
        "/inscription/' OR 1=1 --",
        "/inscription/" + "A" * 5000,
        "/inscription/26C03S1/etape/%00",
        "/inscription/26C03S1/recherche/establishment?q=%00%27%22%3C",
        "/inscription/26C03S1/recherche/..%2F",
        "/inscription/26C03S1/reprendre/%3Cscript%3E",
        "/inscription/26C03S1/envoyee/not-a-token",
        "/equipment-loan/etape/%3Cscript%3E",
    ],
)
def test_forged_urls_get_a_page_not_a_trace(site: Any, url: str) -> None:
    browser = tolerant_browser(site)
    page = browser.get(url)
    assert_sound(page)
    assert "<script>alert" not in page.html
    response = browser.client.post(url, data={"_nav": "next", "x": SCRIPT})
    assert_sound(Page(response))
    assert SCRIPT not in response.text


def test_a_session_code_with_markup_is_a_french_404(site: Any) -> None:
    browser = tolerant_browser(site)
    page = browser.get("/inscription/<script>")
    assert page.status == 404
    assert page.soup.find("html")["lang"] == "fr"
    assert "<script>" not in page.html.replace('<script src="/static/app.js" defer>', "")


def test_a_session_that_does_not_exist(site: Any) -> None:
    browser = tolerant_browser(site)
    page = browser.get("/inscription/ZZZ999")
    assert_sound(page)
    assert page.status == 404
    assert "Cette session n'existe pas ou n'est plus ouverte aux inscriptions" in page.text
    assert page.soup.select_one('a[href="/"]') is not None
    response = browser.client.post("/inscription/ZZZ999", data={"_action": "new_request"})
    assert response.status_code == 404
    assert requests(site) == []


def test_the_session_answer_cannot_be_forged_to_another_session(site: Any) -> None:
    """The session code is a hidden input of the first step; the request belongs to the
    session of the URL, and its stored answer must say the same."""
    browser = tolerant_browser(site)
    browser.get(START)
    page = browser.submit({"session_code": "ZZZ999"})
    assert_sound(page)
    page = browser.get(START)
    page = browser.submit({"session_code": "26C05S1"})
    assert_sound(page)
    for step in STEPS[1:]:
        page = browser.submit(ANSWERS[step])
    assert "Demande envoyée" in page.text
    [request] = [r for r in requests(site) if r.submitted_at is not None]
    assert request.session_code == CODE
    assert request.reference == f"{CODE}-0001"
    assert request.answers["session_code"] == CODE


def test_the_whole_journey_with_hostile_answers_still_ends_well(site: Any) -> None:
    browser = tolerant_browser(site)
    overrides = {
        "trainee": {
            "first_name": f"{SCRIPT}\u202e",
            "last_name": f"{IMG}\u202e",
            "expectations": "a" * 3000,
        },
        "mandate": {"mandate": "autre", "mandate_other": SCRIPT},
    }
    page = browser.get(START)
    for step in STEPS:
        typed = {**ANSWERS[step], **overrides.get(step, {})}
        page = browser.submit(typed)
        assert_sound(page)
        if "De nouveaux champs sont apparus" in page.text:
            page = browser.submit(typed)
            assert_sound(page)
    assert "Demande envoyée" in page.text, (page.summary, page.text[:300])
    [request] = requests(site)
    assert request.answers["first_name"] == SCRIPT
    assert request.answers["last_name"] == IMG
    assert request.answers["mandate_other"] == SCRIPT
    [mail] = mails(site, "confirm_email")
    assert SCRIPT not in mail.html and "<img src=x" not in mail.html
