"""What each web process keeps in memory (training sessions, reference entries, settings)
follows a change made by another process: a session renamed by `onboarding demo`, a command
run on its own, shows its new title on the next page of both web processes, which had kept
the old one: the first page (no draft yet) and a later step, whose page reads the counters
with the draft in one statement."""

from __future__ import annotations

from pathlib import Path

from .cluster import SEATS_CODE, SEED, Cluster
from .conftest import Product
from .people import STEPS, Applicant, Visitor, expect

OLD_TITLE = "Session de 20 places"
NEW_TITLE = "Session renommée par une commande"


def test_a_session_renamed_by_another_process_is_seen_by_every_web_process(
    product: Product, cluster: Cluster, tmp_path: Path
) -> None:
    assert OLD_TITLE in SEED
    visitors = [Visitor(served.base_url) for served in cluster.servers]
    applicants = [
        Applicant(served.base_url, SEATS_CODE, f"cache{n}@example.org")
        for n, served in enumerate(cluster.servers)
    ]
    page = f"/inscription/{SEATS_CODE}"
    step = f"{page}/etape/{STEPS[1]}"
    original, renamed = tmp_path / "original.yaml", tmp_path / "renamed.yaml"
    original.write_text(SEED, encoding="utf-8")
    renamed.write_text(SEED.replace(OLD_TITLE, NEW_TITLE), encoding="utf-8")
    try:
        for applicant in applicants:
            applicant.begin()
        for _ in range(2):  # the second page is served from what the process kept
            for visitor in visitors:
                assert OLD_TITLE in expect(visitor.get(page), 200, "the first step").text
            for applicant in applicants:
                assert OLD_TITLE in expect(applicant.get(step), 200, "a later step").text

        product.installation.run("demo", str(renamed))

        for visitor in visitors:
            text = expect(visitor.get(page), 200, "the first step").text
            assert NEW_TITLE in text and OLD_TITLE not in text
        for applicant in applicants:
            text = expect(applicant.get(step), 200, "a later step").text
            assert NEW_TITLE in text and OLD_TITLE not in text
    finally:
        product.installation.run("demo", str(original))  # as the other tests expect it
        for person in [*visitors, *applicants]:
            person.close()
