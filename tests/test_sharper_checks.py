"""Checks that catch an author's slips the format's types let through: yes/no values written
otherwise than true or false, conditions comparing a field with a value it cannot take, a
missing form reported once, form files checked like workflows."""

from __future__ import annotations

from engine.actions.builtin import default_registry
from engine.check.shape import _walk_subclasses
from engine.spec_types import SpecModel


def test_every_yes_no_key_of_the_format_takes_only_true_or_false() -> None:
    default_registry()  # defines the parameter models of the action kinds
    lax = [
        f"{model.__name__}.{name}"
        for model in _walk_subclasses(SpecModel)
        for name, info in model.model_fields.items()
        if info.annotation is bool and not any(getattr(m, "strict", False) for m in info.metadata)
    ]
    assert lax == []
