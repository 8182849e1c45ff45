"""Seats are never sold twice, whichever web process takes them: 200 applicants of a session
with 20 seats open their confirmation links, then all press the button at the same moment,
over two web processes. Exactly 20 get a seat, the 180 others are on the waiting list, and
nobody is left waiting for a confirmation that failed."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import yaml

from tests.serving import PROJECT

from .cluster import SEATS, SEATS_CODE, Cluster
from .conftest import Product
from .load import at_once
from .people import Applicant, LinkPage, Visitor, confirmation_path, expect

APPLICANTS = 200
CONFIRMATION_MAIL = "confirm_email"


def state_labels() -> dict[str, tuple[str, bool]]:
    """Each state's label as the applicant's page shows it: (state id, holds a seat)."""
    spec = yaml.safe_load((PROJECT / "workflows" / "onboarding.yaml").read_text(encoding="utf-8"))
    labels = {}
    for state in spec["process"]["states"]:
        label = state["label"] if isinstance(state["label"], str) else state["label"]["fr"]
        labels[" ".join(label.split())] = (state["id"], bool(state.get("holds_seat")))
    return labels


def test_two_hundred_confirmations_for_twenty_seats(product: Product, cluster: Cluster) -> None:
    applicants = [
        Applicant(
            cluster.server(number).base_url,
            SEATS_CODE,
            f"candidat.{number}.{product.backend}@example.org",
        )
        for number in range(APPLICANTS)
    ]
    # Each applicant's mail client opens the link on the other web process than the one the
    # request was sent to: links signed by one process are good on every one.
    readers = [Visitor(cluster.server(number + 1).base_url) for number in range(APPLICANTS)]
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(Applicant.send_request, applicants))
        product.installation.run("worker", "--once")
        links = {}
        for mail in product.mail.received:
            if mail.message["X-Onboarding-Template"] == CONFIRMATION_MAIL:
                links[mail.recipients[0]] = confirmation_path(mail.text)
        paths = [links[applicant.email] for applicant in applicants]

        def open_link(number: int) -> dict[str, list[str]]:
            page = LinkPage(expect(readers[number].get(paths[number]), 200, "the link's page"))
            return page.button_form()

        with ThreadPoolExecutor(8) as pool:
            forms = list(pool.map(open_link, range(APPLICANTS)))
        presses = at_once(
            [
                ("confirm", lambda n=number: readers[n].http.post(paths[n], data=forms[n]))
                for number in range(APPLICANTS)
            ]
        )
        with ThreadPoolExecutor(8) as pool:
            pages = list(pool.map(lambda n: LinkPage(readers[n].get(paths[n])), range(APPLICANTS)))
    finally:
        for person in [*applicants, *readers]:
            person.close()

    labels = state_labels()
    states = Counter(labels.get(page.state, (page.state, False))[0] for page in pages)
    seats = sum(states[state] for state, holds_seat in labels.values() if holds_seat)
    statuses = Counter(str(answer.status) for answer in presses)
    figures = f"seats taken: {seats} of {SEATS}; states {dict(states)}; answers {dict(statuses)}"
    assert sum(answer.server_error for answer in presses) == 0, f"{figures}\n{cluster.logs()}"
    assert seats == SEATS, figures
    assert states["waiting_list"] == APPLICANTS - SEATS, figures
    assert states["awaiting_email_confirmation"] == 0, figures
