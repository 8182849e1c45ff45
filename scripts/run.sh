#!/bin/sh
# Sets up the project and runs it on its embedded defaults: every workflow is checked, then the
# onboarding workflow is walked through with sample answers, showing states and planned effects.
extras=""
. "$(dirname "$0")/_venv.sh"
.venv/bin/onboarding validate
.venv/bin/onboarding simulate workflows/onboarding.yaml
