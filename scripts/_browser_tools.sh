# Shared by test.sh and .ci/run: what the browser tests need besides Python packages.
# Debian's Chromium (the tests drive it with Playwright; no browser is downloaded by a test
# tool) and axe-core, from the npm registry, which the tests inject into pages.
set -eu
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && [ -z "${ONBOARDING_CHROMIUM:-}" ]; then
    if [ "$(id -u)" = 0 ]; then
        apt_get="apt-get"
    elif command -v sudo >/dev/null 2>&1; then
        apt_get="sudo apt-get"
    else
        echo "The browser tests need Debian's chromium: apt-get install chromium" >&2
        exit 1
    fi
    $apt_get update -qq
    DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq chromium >/dev/null
fi
if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
    (cd tests/browser && npm ci --no-audit --no-fund --silent)
fi
