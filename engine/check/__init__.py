"""Static checks of a workflow: every problem at once, each with a stable code, a place and a
hint, the way a compiler reports them."""

from .diagnostics import CODES, Diagnostic, Severity

__all__ = ["CODES", "Diagnostic", "Severity"]
