#!/bin/sh
# Sets up the project with its test tools and runs the whole test suite (and the linter).
. "$(dirname "$0")/_venv.sh" "[test]"
.venv/bin/ruff check .
.venv/bin/onboarding validate
.venv/bin/python -m pytest "$@"
