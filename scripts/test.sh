#!/bin/sh
# Sets up the project with its test tools and runs the whole test suite (and the linter).
extras="[test]"
. "$(dirname "$0")/_venv.sh"
sh scripts/_browser_tools.sh
.venv/bin/ruff check .
.venv/bin/lint-imports  # the layers: the contracts in pyproject.toml
.venv/bin/onboarding validate
.venv/bin/python -m pytest "$@"
