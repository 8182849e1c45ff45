"""The wizard's behaviour as a person sees it in a browser: French error messages at the field
and in the summary with nothing typed lost, fields that come and go with the answers, and a
whole request sent with the keyboard alone."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from .conftest import NewPage
from .harness import ServedApp
from .wizard import (
    Applicant,
    choose,
    expect_step,
    fill_identity,
    find_establishment,
    next_step,
    start_new_request,
)

REQUIRED = "Ce champ est obligatoire."
MISMATCH = "Les deux adresses de courriel ne correspondent pas."
POSTAL_CODE = "Saisissez un code postal français de 5 chiffres, par exemple 75001."


def someone() -> Applicant:
    return Applicant(
        first_name="Noémie",
        last_name="Garnier-Duval",
        email=f"noemie.garnier.{uuid.uuid4().hex[:8]}@example.org",
        postal_code="73000",
        expectations="Échanger avec d'autres élus sur les groupements de commandes.",
        search="Bourg",
        establishment="Ville de Bourg-en-Bresse",
    )


def to_step(page: Page, number: int, person: Applicant) -> None:
    """From a new request to the step `number` (at most 4), answering the steps before it."""
    start_new_request(page)
    if number > 2:
        choose(page, "Méthode de financement", "Financement par ma collectivité")
        next_step(page)
    if number > 3:
        find_establishment(page, person.search, person.establishment, javascript=False)
        next_step(page)
    expect_step(page, number)


def field_error(page: Page, field_id: str) -> str:
    return page.locator(f"#{field_id}-error").inner_text().removeprefix("Erreur :").strip()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_errors_are_shown_in_french_and_nothing_typed_is_lost(
    app: ServedApp, new_page: NewPage, javascript: bool
) -> None:
    person = someone()
    page = new_page(javascript=javascript)
    to_step(page, 4, person)
    fill_identity(page, person)
    page.get_by_label("Confirmer votre courriel").fill(person.email.replace("@", ".x@"))
    page.get_by_label("Code postal").fill("7300")
    page.get_by_label("Téléphone").fill("")
    next_step(page)

    expect_step(page, 4)
    summary = page.locator("#error-summary")
    expect(summary.locator("h2")).to_have_text("Il y a 3 erreurs dans le formulaire")
    expect(summary.locator("li a")).to_have_text([MISMATCH, POSTAL_CODE, REQUIRED])
    assert field_error(page, "email__confirm") == MISMATCH
    assert field_error(page, "postal_code") == POSTAL_CODE
    assert field_error(page, "phone") == REQUIRED
    for label in ("Confirmer votre courriel", "Code postal", "Téléphone"):
        expect(page.get_by_label(label)).to_have_attribute("aria-invalid", "true")

    # Everything typed is still there, the wrong values included, to be corrected.
    expect(page.get_by_label("Mme")).to_be_checked()
    expect(page.get_by_label("Prénom")).to_have_value(person.first_name)
    expect(page.get_by_label("Nom de famille")).to_have_value(person.last_name)
    expect(page.get_by_label("Adresse électronique")).to_have_value(person.email)
    expect(page.get_by_label("Confirmer votre courriel")).to_have_value(
        person.email.replace("@", ".x@")
    )
    expect(page.get_by_label("Code postal")).to_have_value("7300")
    expect(page.get_by_label("Merci de préciser vos attentes")).to_have_value(person.expectations)

    if javascript:
        # The summary has the focus; its links take one to the field.
        expect(summary).to_be_focused()
        summary.get_by_role("link", name=POSTAL_CODE).click()
        expect(page.get_by_label("Code postal")).to_be_focused()

    page.get_by_label("Confirmer votre courriel").fill(person.email)
    page.get_by_label("Code postal").fill(person.postal_code)
    page.get_by_label("Téléphone").fill(person.phone)
    next_step(page)
    expect_step(page, 5)


def test_fields_come_and_go_with_the_answers(app: ServedApp, new_page: NewPage) -> None:
    person = someone()
    page = new_page()
    to_step(page, 3, person)
    not_found = page.get_by_label("Je n'ai pas trouvé ma collectivité")
    new_name = page.get_by_label("Nom de la collectivité")
    expect(new_name).to_be_hidden()
    not_found.check()
    expect(new_name).to_be_visible()
    not_found.uncheck()
    expect(new_name).to_be_hidden()
    page.get_by_label("Je trouve ma collectivité").fill(person.search)
    page.get_by_label(person.establishment).check()
    next_step(page)
    fill_identity(page, person)
    next_step(page)

    expect_step(page, 5)
    other = page.get_by_label("Précisez votre mandat")
    expect(other).to_be_hidden()
    choose(page, "Mandat au titre duquel", "Autre")
    expect(other).to_be_visible()
    other.fill("Maire délégué·e")
    choose(page, "Mandat au titre duquel", "Maire")
    expect(other).to_be_hidden()
    page.get_by_label("Année de début du premier mandat").fill("2008")
    next_step(page)

    expect_step(page, 6)
    details = page.get_by_label("Si oui, merci de préciser vos contraintes alimentaires")
    expect(details).to_be_hidden()
    choose(page, "Avez-vous des contraintes alimentaires", "Oui")
    expect(details).to_be_visible()
    details.fill("Halal.")
    choose(page, "Avez-vous des contraintes alimentaires", "Non")
    expect(details).to_be_hidden()
    choose(page, "Avez-vous des contraintes alimentaires", "Oui")
    expect(details).to_have_value("Halal.")  # hiding a field does not erase what was typed
    next_step(page)

    expect_step(page, 7)
    needs = page.get_by_label("Merci de préciser l'aménagement dont vous avez besoin")
    mail_link = page.get_by_role("link", name="handicap@hgi.example")
    expect(needs).to_be_hidden()
    expect(mail_link).to_be_hidden()
    page.get_by_label("Ma situation nécessite un aménagement particulier").check()
    expect(needs).to_be_visible()
    expect(mail_link).to_be_visible()
    page.get_by_label("Ma situation nécessite un aménagement particulier").uncheck()
    expect(needs).to_be_hidden()

    # Back on the dietary step, the answer given is shown with its details.
    with page.expect_navigation():
        page.get_by_role("button", name="Étape précédente").click()
    expect_step(page, 6)
    expect(page.get_by_label("Oui", exact=True)).to_be_checked()
    expect(details).to_have_value("Halal.")


def test_a_request_can_be_sent_with_the_keyboard_alone(app: ServedApp, new_page: NewPage) -> None:
    person = someone()
    page = new_page()
    page.goto("/")
    keys = Keyboard(page)

    keys.tab_to("S'inscrire", "link", near="Transformer le patrimoine communal")
    keys.press("Enter", navigates=True)
    expect_step(page, 1)
    keys.tab_to("Étape suivante", "button")
    keys.press("Enter", navigates=True)

    expect_step(page, 2)
    keys.pick("Financement par ma collectivité", "Méthode de financement")
    keys.submit()

    expect_step(page, 3)
    keys.tab_to("Je trouve ma collectivité", "searchbox")
    keys.type(person.search)
    # The results arrive after a pause in typing; a keyboard user waits for them (the live
    # region announces them) before tabbing on, or Tab would pass the list before it exists.
    expect(page.get_by_role("radio", name=person.establishment)).to_be_visible()
    keys.pick(person.establishment, "Résultats de la recherche")
    keys.submit()

    expect_step(page, 4)
    keys.pick("Mme", "Civilité")
    for label, value in [
        ("Prénom", person.first_name),
        ("Nom de famille", person.last_name),
        ("Adresse électronique", person.email),
        ("Confirmer votre courriel", person.email),
        ("Code postal", person.postal_code),
        ("Téléphone", person.phone),
    ]:
        keys.tab_to(label, "textbox")
        keys.type(value)
    keys.submit()

    expect_step(page, 5)
    keys.pick("Maire", "Mandat au titre duquel")
    keys.tab_to("Année de début du premier mandat", "textbox")
    keys.type("2020")
    keys.submit()

    expect_step(page, 6)
    keys.pick("Oui", "Avez-vous des contraintes alimentaires")
    keys.tab_to("Si oui, merci de préciser", "textbox")
    keys.type("Pas de porc.")
    keys.submit()

    expect_step(page, 7)
    keys.tab_to("Ma situation nécessite un aménagement particulier", "checkbox")
    keys.press("Space")
    keys.tab_to("Merci de préciser l'aménagement", "textbox")
    keys.type("Interprète en langue des signes.")
    keys.submit()

    expect_step(page, 8)
    for group in person.consents:
        keys.pick("Oui", group)
    keys.submit()

    expect_step(page, 9)
    keys.tab_to("J'ai lu et j'accepte les conditions générales.", "checkbox")
    keys.press("Space")
    keys.submit("Envoyer ma demande d'inscription")
    expect(page.locator("h1, h2").filter(has_text="Demande envoyée")).to_be_visible()


class Keyboard:
    """Moves the focus with Tab only, and tells what has it by its accessible name and role."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def focused(self) -> dict[str, str]:
        return self.page.evaluate(
            """() => {
              const el = document.activeElement;
              const role = el.type === "radio" ? "radio" : el.type === "checkbox" ? "checkbox"
                : el.type === "search" ? "searchbox" : el.tagName === "A" ? "link"
                : el.tagName === "BUTTON" ? "button"
                : (el.tagName === "INPUT" || el.tagName === "TEXTAREA") ? "textbox" : el.tagName;
              const label = el.labels && el.labels.length ? el.labels[0].innerText
                : el.innerText || el.value || "";
              const group = el.closest("fieldset, li");
              const legend = group && group.querySelector("legend, h2, h3");
              return {role, name: label.replace(/\\s+/g, " ").trim(),
                      near: legend ? legend.innerText : ""};
            }"""
        )

    def tab_to(self, name: str, role: str, near: str = "", limit: int = 60) -> None:
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            now = self.focused()
            if now["role"] == role and now["name"].startswith(name) and near in now["near"]:
                return
        raise AssertionError(f"Tab never reached the {role} '{name}' {near}".strip())

    def pick(self, option: str, group: str) -> None:
        """Tab into a group of radio buttons, arrows to the option, Space to be sure it is on."""
        self.tab_to("", "radio", near=group)
        for _ in range(20):
            if self.focused()["name"].startswith(option):
                break
            self.page.keyboard.press("ArrowDown")
        else:
            raise AssertionError(f"the arrows never reached '{option}' in '{group}'")
        self.page.keyboard.press("Space")
        expect(self.page.locator("input:focus")).to_be_checked()

    def press(self, key: str, navigates: bool = False) -> None:
        if navigates:
            with self.page.expect_navigation():
                self.page.keyboard.press(key)
        else:
            self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def submit(self, label: str = "Étape suivante") -> None:
        self.tab_to(label, "button")
        self.press("Enter", navigates=True)


def test_a_text_with_a_limit_counts_what_is_typed(app: ServedApp, new_page: NewPage) -> None:
    page = new_page()
    to_step(page, 4, someone())
    counter = page.locator("#first_name-counter")
    expect(counter).to_have_text("0 caractères sur 100")
    # An emoji sequence counts as the server counts it: in code points.
    page.locator("#first_name").fill("Noémie \U0001f469\u200d\U0001f467")
    expect(counter).to_have_text("10 caractères sur 100")
    # A paste past the limit is kept whole, and the counter says by how much it is too long.
    page.locator("#first_name").fill("x" * 5000)
    expect(counter).to_have_text("4900 caractères de trop (au plus 100)")
    expect(page.locator("#first_name")).to_have_value("x" * 5000)
