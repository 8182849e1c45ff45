"""Action kinds that a transition can bind by name, and the typed effects they plan."""

from .builtin import default_registry
from .registry import ActionKind, ActionRegistry

__all__ = ["ActionKind", "ActionRegistry", "default_registry"]
