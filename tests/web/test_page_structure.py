"""The structure of the wizard's pages as assistive technologies and browsers without
JavaScript see it (labels, fieldsets, error links, landmarks, language), the static assets, and
the two JSON endpoints the page script calls (field visibility, reference list search)."""

from __future__ import annotations

from typing import Any

from bs4 import Tag

from .browser import Browser, Page
from .journey import ANSWERS, START, fill_until, step_of

CONTROLS = ["input", "select", "textarea"]
NOT_LABELLED = {"hidden", "submit", "button", "image", "reset"}


def words(tag: Tag | None) -> str:
    return " ".join(tag.get_text(" ").split()) if tag is not None else ""


def enclosing_fieldset(control: Tag) -> Tag | None:
    parent = control.find_parent("fieldset")
    return parent if isinstance(parent, Tag) else None


def legend_of(fieldset: Tag | None) -> str:
    if fieldset is None:
        return ""
    return words(fieldset.find("legend", recursive=False))


def described_by(page: Page, control: Tag) -> list[str]:
    """The ids a control is described by: its own, and its group's for a radio or checkbox."""
    ids = str(control.get("aria-describedby", "")).split()
    if control.get("type") in ("radio", "checkbox"):
        fieldset = enclosing_fieldset(control)
        if fieldset is not None:
            ids += str(fieldset.get("aria-describedby", "")).split()
    return ids


def problems_of(page: Page) -> list[str]:
    """Everything a user of a screen reader, of the keyboard or of a phone would stumble on."""
    soup = page.soup
    found: list[str] = []
    html = soup.find("html")
    if html is None or html.get("lang") != "fr":
        found.append("<html> has no lang=fr")
    viewport = soup.find("meta", attrs={"name": "viewport"})
    if viewport is None or "width=device-width" not in str(viewport.get("content", "")):
        found.append("no viewport meta tag")
    if len(soup.find_all("h1")) != 1:
        found.append(f"{len(soup.find_all('h1'))} <h1> instead of one")
    if soup.select_one("main#main") is None:
        found.append('no <main id="main">')
    first_link = soup.body.find("a") if soup.body else None
    if first_link is None or first_link.get("href") != "#main" or not words(first_link):
        found.append("the first link is not a skip link to #main")
    ids = [str(t["id"]) for t in soup.find_all(id=True)]
    found += [f"duplicate id {i}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for element in soup.select("script[src], link[rel~=stylesheet]"):
        url = str(element.get("src") or element.get("href") or "")
        if url.startswith("//") or (
            url.startswith(("http://", "https://")) and not url.startswith("http://testserver/")
        ):
            found.append(f"external asset {url}")

    for control in soup.find_all(CONTROLS):
        kind = str(control.get("type", "text")) if control.name == "input" else control.name
        if kind in NOT_LABELLED:
            continue
        name = control.get("name") or control.get("id")
        label = soup.find("label", attrs={"for": control.get("id")}) if control.get("id") else None
        labelled = label is not None and bool(words(label))
        if kind in ("radio", "checkbox") and not labelled:
            labelled = bool(legend_of(enclosing_fieldset(control)))
        if not labelled:
            found.append(f"{kind} {name} has no label")

    radios: dict[str, list[Tag]] = {}
    for radio in soup.find_all("input", attrs={"type": "radio"}):
        radios.setdefault(str(radio.get("name")), []).append(radio)
    for name, group in radios.items():
        fieldsets = {id(enclosing_fieldset(r)) for r in group}
        fieldset = enclosing_fieldset(group[0])
        if len(fieldsets) != 1 or fieldset is None or not legend_of(fieldset):
            found.append(f"radio group {name} is not one fieldset with a legend")

    for control in soup.find_all(attrs={"aria-describedby": True}):
        for ref in str(control["aria-describedby"]).split():
            if soup.find(id=ref) is None:
                found.append(
                    f"{control.get('name') or control.get('id')} described by missing {ref}"
                )

    for control in soup.find_all(CONTROLS, attrs={"aria-invalid": "true"}):
        errors = [soup.find(id=ref) for ref in described_by(page, control)]
        if not any(e is not None and "field__error" in (e.get("class") or []) for e in errors):
            found.append(f"{control.get('name')} is invalid but not described by its message")

    messages = list(zip(page.summary_targets(), page.summary, strict=True))
    if messages:
        summary = soup.select_one("#error-summary")
        if summary is None or summary.get("role") != "alert" or summary.get("tabindex") != "-1":
            found.append('the error summary lacks role="alert" or tabindex="-1"')
        if not page.title.startswith("Erreur"):
            found.append("the title does not say there are errors")
    elif soup.select_one("#error-summary") is not None:
        found.append("an error summary without messages")
    for target, message in messages:
        control = soup.find(id=target)
        if control is None:
            found.append(f"summary link #{target} leads nowhere")
            continue
        if control.name not in CONTROLS:
            found.append(f"summary link #{target} does not lead to a form control")
            continue
        if control.get("aria-invalid") != "true":
            found.append(f"#{target} ({message}) has no aria-invalid")
        texts = [words(soup.find(id=ref)) for ref in described_by(page, control)]
        if not any(message in text for text in texts):
            found.append(f"#{target} is not described by its message {message!r}")
    return found


def visit_every_page(browser: Browser) -> list[tuple[str, Page]]:
    """Every step, as first shown, with the conditional fields open, and with errors."""
    pages: list[tuple[str, Page]] = []

    def keep(label: str, page: Page) -> Page:
        assert page.status in (200, 422), (label, page.status, page.text[:300])
        pages.append((label, page))
        return page

    page = keep("session", browser.get(START))
    page = keep("funding", browser.submit(ANSWERS["session"]))
    page = keep("funding, nothing chosen", browser.submit({"funding_method": None}))
    page = keep("establishment", browser.submit(ANSWERS["funding"]))
    page = keep("establishment, nothing chosen", browser.submit({}))
    page = keep("establishment, search", browser.submit({"establishment__q": "lyon"}, nav="search"))
    page = keep("establishment, not found open", browser.submit({"establishment__new": "on"}))
    assert not page.soup.select_one("#establishment__subform").has_attr("hidden")
    page = keep(
        "establishment, not found with errors",
        browser.submit({"establishment__new__postal_code": "ABCDE"}),
    )
    assert page.status == 422
    page = browser.submit({"establishment__new": None, **ANSWERS["establishment"]})
    assert step_of(page) == "trainee", page.summary
    keep("trainee", page)
    page = keep(
        "trainee with errors",
        browser.submit(
            {
                "first_name": "",
                "email": "x@",
                "email__confirm": "y",
                "postal_code": "6900",
                "phone": "123",
            }
        ),
    )
    page = keep(
        "trainee, confirmation differs",
        browser.submit({**ANSWERS["trainee"], "email__confirm": "autre@example.org"}),
    )
    page = keep("mandate", browser.submit(ANSWERS["trainee"]))
    page = keep("mandate, other", browser.submit({"mandate": "autre", "first_mandate_year": ""}))
    page = keep("mandate with errors", browser.submit({"first_mandate_year": "1900"}))
    page = keep("dietary", browser.submit({**ANSWERS["mandate"], "mandate_other": None}))
    assert step_of(page) == "dietary", page.summary
    page = keep("dietary, nothing chosen", browser.submit({}))
    page = keep("dietary, yes", browser.submit({"dietary_constraints": "yes"}))
    assert "dietary_details" in page.visible_fields()
    page = keep("dietary, details missing", browser.submit({"dietary_details": ""}))
    page = keep("disability", browser.submit({"dietary_details": "Sans gluten"}))
    page = keep("disability, ticked", browser.submit({"disability": "on"}))
    assert "disability_details" in page.visible_fields()
    page = keep("disability, details missing", browser.submit({"disability_details": ""}))
    page = keep("extra_data", browser.submit({"disability_details": "Rampe d'accès"}))
    page = keep("extra_data, nothing chosen", browser.submit({}))
    page = keep("terms", browser.submit(ANSWERS["extra_data"]))
    page = keep("terms, not accepted", browser.submit({}))
    assert [step_of(p) for _, p in pages if p.status == 200][-1] == "terms"
    return pages


def test_every_wizard_page_is_labelled_and_navigable(site: Any) -> None:
    pages = visit_every_page(site.browser())
    assert {step_of(page) for _, page in pages} == set(ANSWERS)
    assert sum(1 for _, page in pages if page.summary) >= 10
    problems = [f"{label}: {problem}" for label, page in pages for problem in problems_of(page)]
    assert problems == [], "\n".join(problems)


def test_conditional_fields_are_in_the_page_but_hidden_until_needed(site: Any) -> None:
    browser = site.browser()
    page = fill_until(browser, "mandate")
    hidden = page.soup.select_one('[data-field="dietary_details"]')
    assert hidden is not None and hidden.has_attr("hidden")
    assert hidden.find("textarea", attrs={"name": "dietary_details"}) is not None
    assert "dietary_details" not in page.visible_fields()
    shown = str(page.soup.find("input", attrs={"name": "_shown"})["value"]).split(",")
    assert shown == ["dietary_constraints"]


def test_static_assets_are_served_by_the_app(site: Any) -> None:
    browser = site.browser()
    page = browser.get(START)
    client = browser.client
    css = client.get("/static/app.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert ".error-summary" in css.text
    js = client.get("/static/app.js")
    assert js.status_code == 200
    assert js.headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript")
    assert "data-visibility-url" in js.text
    # What the page refers to is what is served.
    assets = [str(s["src"]) for s in page.soup.select("script[src]")]
    assets += [str(s["href"]) for s in page.soup.select("link[rel~=stylesheet]")]
    assert sorted(a.split("?")[0].rsplit("/", 1)[1] for a in assets) == ["app.css", "app.js"]
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert client.get("/static/nothing.js").status_code == 404


def test_no_page_loads_anything_from_elsewhere(site: Any) -> None:
    browser = site.browser()
    urls = ["/", START, "/equipment-loan", "/inscription/ZZZ999", f"{START}/suivi"]
    for url in urls:
        page = browser.get(url)
        external = [
            str(e.get("src") or e.get("href"))
            for e in page.soup.select("script[src], link[href], img[src], iframe[src]")
            if str(e.get("src") or e.get("href")).startswith(("//", "https://", "http://"))
            and not str(e.get("src") or e.get("href")).startswith("http://testserver/")
        ]
        assert external == [], (url, external)
        assert not page.soup.select("script:not([src])"), url


# -- the visibility endpoint ------------------------------------------------------------------

VISIBILITY = f"{START}/visibilite/dietary"


def test_the_visibility_endpoint_follows_the_answer_being_typed(site: Any) -> None:
    browser = site.browser()
    page = fill_until(browser, "mandate")
    assert step_of(page) == "dietary"
    assert page.soup.select_one("form.wizard")["data-visibility-url"] == VISIBILITY
    client = browser.client
    headers = {"Accept": "application/json"}
    answer = client.post(VISIBILITY, data={"dietary_constraints": "yes"}, headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json() == {"hidden": []}
    answer = client.post(VISIBILITY, data={"dietary_constraints": "no"}, headers=headers)
    assert answer.status_code == 200
    assert "dietary_details" in answer.json()["hidden"]
    answer = client.post(VISIBILITY, data={}, headers=headers)
    assert "dietary_details" in answer.json()["hidden"]
    # Asking changes nothing: the draft is as it was.
    page = browser.get(f"{START}/etape/dietary")
    assert page.checked("dietary_constraints") == []


def test_the_visibility_endpoint_on_other_steps(site: Any) -> None:
    browser = site.browser()
    fill_until(browser, "dietary")
    client = browser.client
    answer = client.post(f"{START}/visibilite/disability", data={"disability": "on"})
    assert answer.json() == {"hidden": []}
    answer = client.post(f"{START}/visibilite/disability", data={})
    assert set(answer.json()["hidden"]) == {"disability_details", "disability_notice"}
    answer = client.post(f"{START}/visibilite/mandate", data={"mandate": "autre"})
    assert answer.json() == {"hidden": []}
    answer = client.post(f"{START}/visibilite/mandate", data={"mandate": "maire"})
    assert answer.json() == {"hidden": ["mandate_other"]}
    answer = client.post(f"{START}/visibilite/nothing_here", data={})
    assert answer.status_code == 404


# -- the search endpoint ----------------------------------------------------------------------

SEARCH = f"{START}/recherche/establishment"


def search(browser: Browser, query: str) -> dict[str, Any]:
    response = browser.client.get(SEARCH, params={"q": query})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def test_the_search_finds_establishments_by_city_postal_code_and_name(site: Any) -> None:
    browser = site.browser()
    found = search(browser, "lyon")
    by_label = {r["label"]: r for r in found["results"]}
    assert {"Ville de Lyon", "Métropole de Lyon"} <= set(by_label)
    assert by_label["Ville de Lyon"]["id"] == "ville_lyon"
    assert by_label["Ville de Lyon"]["detail"] == "69001 Lyon"
    assert by_label["Métropole de Lyon"]["detail"] == "69003 Lyon"
    assert "Ville de Grenoble" not in by_label
    assert found["message"] == f"{len(found['results'])} résultat(s)"

    found = search(browser, "69100")
    assert [(r["label"], r["detail"]) for r in found["results"]] == [
        ("Commune de Villeurbanne", "69100 Villeurbanne")
    ]
    found = search(browser, "saint etienne")
    assert [r["label"] for r in found["results"]] == ["Ville de Saint-Étienne"]
    assert found["results"][0]["detail"] == "42000 Saint-Étienne"
    found = search(browser, "SAINT-ÉTIENNE")
    assert [r["label"] for r in found["results"]] == ["Ville de Saint-Étienne"]


def test_the_search_needs_two_characters_and_says_when_nothing_is_found(site: Any) -> None:
    browser = site.browser()
    found = search(browser, "a")
    assert found["results"] == []
    assert "au moins 2 caractères" in found["message"]
    found = search(browser, "")
    assert found["results"] == []
    assert "au moins 2 caractères" in found["message"]
    found = search(browser, "zzzzzz")
    assert found["results"] == []
    assert found["message"].startswith("Aucun résultat")
    # Entries disabled in the list are not offered; the demo's extra entries are.
    assert [r["label"] for r in search(browser, "annecy")["results"]] == ["Commune d'Annecy"]
    assert browser.client.get(f"{START}/recherche/first_name?q=lyon").status_code == 404


def test_without_javascript_the_search_button_lists_the_results_as_radios(site: Any) -> None:
    browser = site.browser()
    page = fill_until(browser, "funding")
    assert step_of(page) == "establishment"
    results = page.soup.select_one("fieldset.search__results")
    assert results is not None and results.has_attr("hidden")
    page = browser.submit({"establishment__q": "grenoble"}, nav="search")
    assert page.status == 200
    assert step_of(page) == "establishment"
    assert page.summary == []
    assert page.value("establishment__q") == "grenoble"
    results = page.soup.select_one("fieldset.search__results")
    assert results is not None and not results.has_attr("hidden")
    radios = {
        str(r["value"]): words(page.soup.find("label", attrs={"for": r["id"]}))
        for r in results.find_all("input", attrs={"type": "radio", "name": "establishment"})
    }
    assert radios == {
        "grenoble": "Ville de Grenoble 38000 Grenoble",
        "departement_isere": "Département de l'Isère 38000 Grenoble",
    }
    assert "2 résultat(s)" in page.text
    page = browser.submit({"establishment": "grenoble"})
    assert step_of(page) == "trainee"
    page = browser.get(f"{START}/etape/establishment")
    assert page.checked("establishment") == ["grenoble"]


def test_without_javascript_a_search_with_no_result_says_so(site: Any) -> None:
    browser = site.browser()
    fill_until(browser, "funding")
    page = browser.submit({"establishment__q": "Tombouctou"}, nav="search")
    assert page.status == 200
    assert page.summary == []
    assert "Aucun résultat" in page.text
    assert not page.soup.find_all("input", attrs={"type": "radio", "name": "establishment"})
