#!/usr/bin/env bash
# The one test command: sets up .venv (with dev tools), then ruff, mypy on the core packages, pytest.
#   ./scripts/run_tests.sh            default suite (< 10 min on 2 cores)
#   ./scripts/run_tests.sh --soak     only the long soak/fuzz target
#   ./scripts/run_tests.sh -- ARGS    extra pytest arguments (e.g. -- tests/test_config.py -x)
# The default suite runs on 2 pytest-xdist workers, whole files per worker, slowest files first
# (most slow tests wait on subprocesses, sockets and wall-clock markets, so 2 workers pay even on
# 2 cores). SCALP_TEST_WORKERS=N overrides the count (0 = no xdist, in one process); the soak target
# runs in one process unless SCALP_TEST_WORKERS is set.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
EXTRAS=dev,research "$ROOT/scripts/bootstrap.sh"
PY="$ROOT/.venv/bin/python"
MARK="not soak"
WORKERS="${SCALP_TEST_WORKERS:-2}"
PYTEST_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --soak) MARK="soak"; WORKERS="${SCALP_TEST_WORKERS:-0}"; shift ;;
        --) shift; PYTEST_ARGS+=("$@"); break ;;
        *) PYTEST_ARGS+=("$1"); shift ;;
    esac
done
# Core packages held to mypy --strict (grows as packages land; see docs/architecture.md).
MYPY_TARGETS=(scalp_system/core scalp_system/config.py)
for pkg in broker exchange data features storage ml monitoring strategy risk execution backtest orchestration commands research cli; do
    [ -e "scalp_system/$pkg" ] && MYPY_TARGETS+=("scalp_system/$pkg")
done
# The report test needs a real headless browser; install Debian's chromium once if it is missing.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing chromium for the headless report check"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
        || echo "chromium could not be installed; browser tests will be skipped"
fi
if command -v chromium >/dev/null 2>&1; then export SCALP_REQUIRE_BROWSER=1; fi
echo "== ruff"
"$PY" -m ruff check scalp_system tests benchmarks scripts
echo "== mypy ${MYPY_TARGETS[*]}"
"$PY" -m mypy "${MYPY_TARGETS[@]}"
XDIST_ARGS=()
if [ "$WORKERS" != "0" ]; then XDIST_ARGS=(-n "$WORKERS" --dist loadfile --no-loadscope-reorder); fi
echo "== pytest (-m '$MARK', ${WORKERS} xdist workers)"
mkdir -p test-artifacts
set +e
"$PY" -m pytest -m "$MARK" -q "${XDIST_ARGS[@]}" "${PYTEST_ARGS[@]}"
rc=$?
set -e
# pytest exits 5 when nothing was collected: that is a failure of the suite, say so clearly.
if [ "$rc" -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi
exit "$rc"
