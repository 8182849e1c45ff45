"""The YAML format: pydantic models, and loading with positions kept for diagnostics."""
