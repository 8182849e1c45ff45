"""Shared fixtures: the project's own workflows, compiled once per test session."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine.compiled import CompiledWorkflow, load_compiled
from engine.samples import SpecCatalog

PROJECT = Path(__file__).resolve().parent.parent
WORKFLOWS = PROJECT / "workflows"
# The English sample: an example project of its own, served beside the project's workflows in
# the tests (ONBOARDING_WORKFLOWS) so that every page runs for a second, unrelated workflow.
EQUIPMENT_LOAN = PROJECT / "examples" / "equipment_loan" / "workflows" / "equipment_loan.yaml"
# In the order the project's workflows/ used to give them (by file name): pages list them so.
SERVED_IN_TESTS = "examples/equipment_loan/workflows/equipment_loan.yaml,onboarding,satisfaction"
TODAY = date(2026, 9, 1)


@pytest.fixture(scope="session")
def onboarding() -> CompiledWorkflow:
    return load_compiled(WORKFLOWS / "onboarding.yaml")


@pytest.fixture(scope="session")
def catalog(onboarding: CompiledWorkflow) -> SpecCatalog:
    return SpecCatalog(onboarding.spec, open_sessions={"26C03S1"})
