"""The wizard at run time: visibility, validation of answers, French messages."""

from .plan import CompiledField, CompiledStep, StepResult, WizardPlan
from .values import Catalog

__all__ = ["Catalog", "CompiledField", "CompiledStep", "StepResult", "WizardPlan"]
