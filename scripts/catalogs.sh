#!/bin/sh
# Refreshes the translation catalogs from the code: extracts every message of the engine, the
# web layer and the templates into engine/locale/messages.pot, merges it into the French and
# English catalogs, and gives new English entries their message id (the source language is
# English). New French entries are left empty: translate them, then run the tests
# (tests/test_translations.py fails on a message without a translation).
set -e
cd "$(dirname "$0")/.."
mkdir -p engine/locale
.venv/bin/pybabel extract -F babel.cfg -k translate:2 -k translate_plural:2,3 -k Message \
    --no-location --sort-output --project onboarding --copyright-holder "onboarding" \
    -o engine/locale/messages.pot .
for language in fr en; do
    if [ -f "engine/locale/$language/LC_MESSAGES/messages.po" ]; then
        .venv/bin/pybabel update --no-fuzzy-matching --ignore-obsolete \
            -i engine/locale/messages.pot -d engine/locale -l "$language"
    else
        .venv/bin/pybabel init -i engine/locale/messages.pot -d engine/locale -l "$language"
    fi
done
.venv/bin/python scripts/english_catalog.py engine/locale/en/LC_MESSAGES/messages.po
