"""Password guessing is throttled per address however the guesses arrive: 20 wrong passwords
for one address at the same moment, over two web processes, are not all checked; once the
address is locked, even the right password is refused."""

from __future__ import annotations

from collections import Counter

from .cluster import MANAGER_EMAIL, MANAGER_PASSWORD, Cluster
from .load import at_once, timed
from .people import Visitor, expect

LOGIN = "/backoffice/connexion"
GUESSES = 20
MAX_FAILURES = 5  # the product's limit before an address is locked
FAILED = "Adresse électronique ou mot de passe incorrect."
THROTTLED = "Trop de tentatives"


def test_concurrent_wrong_passwords_lock_the_address(cluster: Cluster) -> None:
    guessers = [Visitor(cluster.server(number).base_url) for number in range(GUESSES)]
    try:
        for guesser in guessers:
            expect(guesser.get(LOGIN), 200, "the login page")
        wrong = {"email": MANAGER_EMAIL, "password": "pas-le-bon-mot-de-passe"}
        answers = at_once(
            [("wrong password", lambda g=guesser: g.post(LOGIN, wrong)) for guesser in guessers]
        )
        statuses = dict(Counter(str(a.status) for a in answers))
        evaluated = sum(FAILED in a.text for a in answers)
        throttled = sum(THROTTLED in a.text for a in answers)
        figures = (
            f"{evaluated} checked and refused, {throttled} refused as throttled, "
            f"statuses {statuses}"
        )
        assert not any(a.server_error for a in answers), f"{figures}\n{cluster.logs()}"
        assert 1 <= evaluated <= MAX_FAILURES, figures
        assert evaluated + throttled == GUESSES, figures

        right = {"email": MANAGER_EMAIL, "password": MANAGER_PASSWORD}
        after = timed("right password", lambda: guessers[0].post(LOGIN, right))
        assert after.status is not None, f"the right password got no answer: {after.detail}"
        assert after.status != 303, "the right password opened a locked account"
        assert THROTTLED in after.text
    finally:
        for guesser in guessers:
            guesser.close()
