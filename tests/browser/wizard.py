"""An applicant going through the onboarding wizard in a real browser: finding fields by their
labels, checking at each step what the page says (its title, "Étape n sur N"), with or without
JavaScript. Without it, a field that depends on an answer appears on the next page, under a
notice; with it, at once."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import Page, expect

CODE = "26C03S1"
START = f"/inscription/{CODE}"
SESSION_TITLE = (
    "Transformer le patrimoine communal: stratégies et actions pour rénover, agrandir, mutualiser"
)
NEW_FIELDS = "De nouveaux champs sont apparus suite à votre réponse"
SUBMIT_LABEL = "Envoyer ma demande d'inscription"
STEP_TITLES = [
    "Choisir une action",
    "Mode de financement",
    "Établissement",
    "Informations sur le stagiaire",
    "Mandat",
    "Contraintes alimentaires",
    "Handicap",
    "Données supplémentaires",
    "Conditions générales",
]


@dataclass
class NewEstablishment:
    label: str
    type_label: str
    postal_code: str
    city: str
    validation_email: str


@dataclass
class Applicant:
    first_name: str
    last_name: str
    email: str
    civility: str = "Mme"
    postal_code: str = "38000"
    phone: str = "06 12 34 56 78"
    expectations: str = ""
    mandate: str = "Maire"
    first_mandate_year: str = "2020"
    # An existing establishment: typed in the search box, then the result's label.
    search: str = ""
    establishment: str = ""
    new_establishment: NewEstablishment | None = None
    dietary: str = ""  # details; empty for "Non"
    disability: str = ""  # details; empty leaves the box unticked
    consents: dict[str, str] = field(
        default_factory=lambda: {
            "Une liste diffusée à tous les participants": "Oui",
            "Une liste de diffusion de l'offre de formation": "Oui",
            "J'autorise HGI à utiliser mon image": "Oui",
        }
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def expect_step(page: Page, number: int, total: int = 9) -> None:
    expect(page.locator("h2.step-title")).to_have_text(STEP_TITLES[number - 1])
    expect(page.locator(".progress__text")).to_have_text(f"Étape {number} sur {total}")
    expect(page.locator("h1")).to_have_text(SESSION_TITLE)


def next_step(page: Page) -> None:
    with page.expect_navigation():
        page.locator("button[name=_nav][value=next]").click()


def choose(page: Page, group: str, option: str) -> None:
    """Ticks the radio button `option` of the group whose legend starts with `group`."""
    fieldset = page.locator("fieldset").filter(
        has=page.locator("legend", has_text=re.compile("^" + re.escape(group)))
    )
    fieldset.get_by_label(option, exact=True).check()


def reveal(page: Page, field_label: str, javascript: bool) -> None:
    """The field that an answer just made relevant: shown at once with JavaScript; without it,
    on the same step once the page is sent, under a notice."""
    if not javascript:
        next_step(page)
        expect(page.locator(".notice", has_text=NEW_FIELDS)).to_be_visible()
    expect(page.get_by_label(field_label)).to_be_visible()


def start_new_request(page: Page, start: str = START) -> None:
    page.goto(start)
    expect_step(page, 1)
    expect(page.get_by_label("Nouvelle demande d'inscription")).to_be_checked()
    next_step(page)


def fill_wizard(
    page: Page,
    person: Applicant,
    *,
    javascript: bool = True,
    visit: Callable[[Page, str], None] | None = None,
) -> str:
    """Every step from the funding choice to the sent request; returns its reference.
    `visit(page, step)` is called on each step once it is filled, before it is sent, and on
    the page that says the request is sent."""
    look = visit or (lambda page, step: None)
    expect_step(page, 2)
    choose(page, "Méthode de financement", "Financement par ma collectivité")
    look(page, "funding")
    next_step(page)

    expect_step(page, 3)
    fill_establishment(page, person, javascript)
    look(page, "establishment")
    next_step(page)

    expect_step(page, 4)
    fill_identity(page, person)
    look(page, "trainee")
    next_step(page)

    expect_step(page, 5)
    choose(page, "Mandat au titre duquel", person.mandate)
    page.get_by_label("Année de début du premier mandat").fill(person.first_mandate_year)
    look(page, "mandate")
    next_step(page)

    expect_step(page, 6)
    details = "Si oui, merci de préciser vos contraintes alimentaires"
    if person.dietary:
        choose(page, "Avez-vous des contraintes alimentaires", "Oui")
        reveal(page, details, javascript)
        page.get_by_label(details).fill(person.dietary)
    else:
        choose(page, "Avez-vous des contraintes alimentaires", "Non")
        expect(page.get_by_label(details)).to_be_hidden()
    look(page, "dietary")
    next_step(page)

    expect_step(page, 7)
    needs = "Merci de préciser l'aménagement dont vous avez besoin"
    if person.disability:
        page.get_by_label("Ma situation nécessite un aménagement particulier").check()
        reveal(page, needs, javascript)
        expect(page.get_by_role("link", name="handicap@hgi.example")).to_have_attribute(
            "href", "mailto:handicap@hgi.example"
        )
        page.get_by_label(needs).fill(person.disability)
    else:
        expect(page.get_by_label(needs)).to_be_hidden()
    look(page, "disability")
    next_step(page)

    expect_step(page, 8)
    for group, answer in person.consents.items():
        choose(page, group, answer)
    look(page, "extra_data")
    next_step(page)

    expect_step(page, 9)
    page.get_by_label("J'ai lu et j'accepte les conditions générales.").check()
    expect(page.locator("button[name=_nav][value=next]")).to_have_text(SUBMIT_LABEL)
    look(page, "terms")
    next_step(page)

    expect(page.locator("h2, h1").filter(has_text="Demande envoyée")).to_be_visible()
    expect(page.get_by_text("En attente de confirmation du courriel")).to_be_visible()
    look(page, "sent")
    reference = page.locator("dt:has-text('Référence de votre demande') + dd").inner_text()
    assert re.fullmatch(rf"{CODE}-\d{{4}}", reference.strip()), reference
    return reference.strip()


def fill_establishment(page: Page, person: Applicant, javascript: bool) -> None:
    new = person.new_establishment
    if new is None:
        find_establishment(page, person.search, person.establishment, javascript)
        return
    page.get_by_label("Je n'ai pas trouvé ma collectivité").check()
    reveal(page, "Nom de la collectivité", javascript)
    page.get_by_label("Nom de la collectivité").fill(new.label)
    page.get_by_label("Type d'établissement").select_option(label=new.type_label)
    subform = page.locator("#establishment__subform")
    subform.get_by_label("Code postal").fill(new.postal_code)
    subform.get_by_label("Commune").fill(new.city)
    subform.get_by_label("Courriel de l'instance qui valide votre inscription").fill(
        new.validation_email
    )


def find_establishment(page: Page, search: str, label: str, javascript: bool) -> None:
    """Types in the search box and chooses a result: found as one types with JavaScript, after
    the "Rechercher" button without."""
    page.get_by_label("Je trouve ma collectivité").fill(search)
    if not javascript:
        page.get_by_role("button", name="Rechercher").click()
    page.get_by_label(label).check()


def fill_identity(page: Page, person: Applicant) -> None:
    choose(page, "Civilité", person.civility)
    page.get_by_label("Prénom").fill(person.first_name)
    page.get_by_label("Nom de famille").fill(person.last_name)
    page.get_by_label("Adresse électronique").fill(person.email)
    page.get_by_label("Confirmer votre courriel").fill(person.email)
    page.get_by_label("Code postal").fill(person.postal_code)
    page.get_by_label("Téléphone").fill(person.phone)
    if person.expectations:
        page.get_by_label("Merci de préciser vos attentes").fill(person.expectations)


def first_link(text: str, pattern: str) -> str:
    found = re.search(pattern, text)
    assert found, f"no link like {pattern} in:\n{text}"
    return found.group(0)
