# Shared by run.sh and test.sh: a virtual environment in .venv with the project installed,
# with the optional dependencies named in $extras (for example "[test]").
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".${extras:-}"
