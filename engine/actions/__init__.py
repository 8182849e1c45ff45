"""Action kinds that a transition can bind by name, and the typed effects they plan."""

from .registry import ActionKind, ActionRegistry, default_registry

__all__ = ["ActionKind", "ActionRegistry", "default_registry"]
