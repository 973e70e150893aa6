#!/usr/bin/env bash
# Quick start: install whatever is missing, then start the platform on its embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PATH:$(npm prefix -g 2>/dev/null)/bin"
exec bun src/main.ts
