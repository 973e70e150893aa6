#!/usr/bin/env bash
# Installs whatever is missing for fastapi-platform; a second run reuses what is there.
#   bun (npm registry) · node_modules (bun install) · runner venv (pinned requirements)
#   · FerretDB v1.24.2 (Go module proxy) when no MONGO_URL, mongod or ferretdb exists.
# Build caches live outside the repo, in $FP_CACHE (default ~/.cache/fastapi-platform).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# As root, app processes run under their own uids and must read the runner's Python: keep it in
# a world-readable place (a venv under /root would be unreadable to them).
if [ "$(id -u)" = 0 ]; then FP_CACHE=${FP_CACHE:-/var/cache/fastapi-platform}; else FP_CACHE=${FP_CACHE:-$HOME/.cache/fastapi-platform}; fi
FERRETDB_VERSION=v1.24.2
mkdir -p "$FP_CACHE/bin" && chmod 755 "$FP_CACHE" "$FP_CACHE/bin"
say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

# 1. bun
if ! command -v bun >/dev/null 2>&1; then
  command -v npm >/dev/null 2>&1 || { echo "setup: npm is needed to install bun (apt-get install nodejs npm)" >&2; exit 1; }
  say "installing bun from the npm registry"
  npm install -g bun >/dev/null 2>&1 || npm install -g --allow-scripts=bun bun
fi

# 2. JavaScript dependencies (fast no-op when up to date)
if [ ! -d node_modules ] || [ package.json -nt node_modules ] || [ bun.lock -nt node_modules ]; then
  say "installing JavaScript dependencies"
  bun install --frozen-lockfile >/dev/null
  touch node_modules
fi

# 3. Python venv for the runner, keyed by the pinned requirements and the base interpreter.
#    Prefer the system interpreter (readable by every uid) over one under a private home.
PY=""
for cand in /usr/bin/python3 /usr/local/bin/python3 "$(command -v python3 || true)"; do
  if [ -x "$cand" ] && "$cand" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then PY=$cand; break; fi
done
[ -n "$PY" ] || { echo "setup: Python 3.11+ with the venv module is needed (apt-get install python3-venv)" >&2; exit 1; }
REQ_HASH=$( (cat runner/requirements.txt runner/requirements-dev.txt; echo "$PY") | sha256sum | cut -c1-12)
VENV="$FP_CACHE/venv-$REQ_HASH"
if [ ! -x "$VENV/bin/python" ] || [ ! -f "$VENV/.complete" ]; then
  say "creating the runner's Python environment in $VENV (from $PY)"
  rm -rf "$VENV"
  mkdir -p "$FP_CACHE" && chmod 755 "$FP_CACHE"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r runner/requirements-dev.txt
  touch "$VENV/.complete"
fi
ln -sfn "$VENV" runner/.venv

# 4. A MongoDB-wire server for the embedded default. One patch on FerretDB's SQLite backend: its
#    _id lookups (findOne, updateOne, deleteOne by _id) used an expression (->'$._id') that does
#    not match the one its _id index is built on (->"_id"), so SQLite scanned the whole table on
#    every lookup (67 ms vs 2.4 ms on 20,000 documents). The stamp makes older builds rebuild.
FERRETDB_BUILD="$FERRETDB_VERSION+id-index"
if [ -z "${MONGO_URL:-}" ] && ! command -v mongod >/dev/null 2>&1 && ! command -v ferretdb >/dev/null 2>&1 \
   && { [ ! -x "$FP_CACHE/bin/ferretdb" ] || [ "$(cat "$FP_CACHE/bin/ferretdb.build" 2>/dev/null)" != "$FERRETDB_BUILD" ]; }; then
  command -v go >/dev/null 2>&1 || { echo "setup: Go is needed to build FerretDB (or set MONGO_URL to an existing MongoDB)" >&2; exit 1; }
  say "building FerretDB $FERRETDB_BUILD (SQLite backend) into $FP_CACHE/bin"
  # The module zip lacks the generated build/version/version.txt, so build from a copy of it.
  SRC=$(GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  WORK=$(mktemp -d)
  cp -r "$SRC/." "$WORK/" && chmod -R u+w "$WORK"
  echo "$FERRETDB_VERSION" > "$WORK/build/version/version.txt"
  META="$WORK/internal/backends/sqlite/metadata/metadata.go"
  grep -q "IDColumn = DefaultColumn + \"->'\$._id'\"" "$META" || { echo "setup: FerretDB's IDColumn is not where the patch expects it" >&2; exit 1; }
  sed -i "s|IDColumn = DefaultColumn + \"->'\$._id'\"|IDColumn = DefaultColumn + \`->\"_id\"\`|" "$META"
  (cd "$WORK" && CGO_ENABLED=0 go build -trimpath -o "$FP_CACHE/bin/ferretdb.tmp" ./cmd/ferretdb)
  mv "$FP_CACHE/bin/ferretdb.tmp" "$FP_CACHE/bin/ferretdb"
  echo "$FERRETDB_BUILD" > "$FP_CACHE/bin/ferretdb.build"
  rm -rf "$WORK"
fi
say "ready"
