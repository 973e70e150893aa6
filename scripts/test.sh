#!/usr/bin/env bash
# Runs every test suite (runner pytest, bun test: unit, http, e2e, reliability) and ends with
# one line "N passed, N failed[, N skipped]". Exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
LOG=$(mktemp -d)
PY=runner/.venv/bin/python
[ -x "$PY" ] || { echo "runner venv missing: run 'bun run setup' first" >&2; exit 2; }

checks_pass=0; checks_fail=0
check() { # name, command…: a static check counts as one test
  local name=$1; shift
  echo "== $name"
  if "$@" > "$LOG/check.txt" 2>&1; then checks_pass=$((checks_pass + 1)); echo "(pass) $name"
  else checks_fail=$((checks_fail + 1)); cat "$LOG/check.txt"; echo "(fail) $name"; fi
}
check "typecheck (tsc)" node_modules/.bin/tsc --noEmit -p .
check "xss scan of views (kita)" node_modules/.bin/xss-scan -s

echo "== runner (pytest)"
(cd runner && ../$PY -m pytest -q -p no:cacheprovider tests) 2>&1 | tee "$LOG/pytest.txt"
py_rc=${PIPESTATUS[0]}

echo "== platform (bun test)"
bun test --timeout 30000 "$@" 2>&1 | tee "$LOG/bun.txt"
bun_rc=${PIPESTATUS[0]}

num() { grep -Eo "[0-9]+ $1" "$2" | tail -1 | grep -Eo '^[0-9]+' || echo 0; }
py_pass=$(num passed "$LOG/pytest.txt"); py_fail=$(( $(num failed "$LOG/pytest.txt") + $(num error "$LOG/pytest.txt") ))
py_skip=$(num skipped "$LOG/pytest.txt")
bun_pass=$(grep -E '^ *[0-9]+ pass$' "$LOG/bun.txt" | tail -1 | grep -Eo '[0-9]+' || echo 0)
bun_fail=$(grep -E '^ *[0-9]+ fail$' "$LOG/bun.txt" | tail -1 | grep -Eo '[0-9]+' || echo 0)
bun_skip=$(grep -E '^ *[0-9]+ skip$' "$LOG/bun.txt" | tail -1 | grep -Eo '[0-9]+' || echo 0)
passed=$((py_pass + bun_pass + checks_pass)); failed=$((py_fail + bun_fail + checks_fail)); skipped=$((py_skip + bun_skip))
# A suite that crashed without reporting counts as one failure.
if [ "$py_rc" -ne 0 ] && [ "$py_fail" -eq 0 ]; then failed=$((failed + 1)); fi
if [ "$bun_rc" -ne 0 ] && [ "$bun_fail" -eq 0 ]; then failed=$((failed + 1)); fi
rm -rf "$LOG"
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
