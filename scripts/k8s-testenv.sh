#!/usr/bin/env bash
# A real Kubernetes control plane on loopback for the tests (no mocks): etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, and kwok standing in for the kubelet of one fake node.
#
#   scripts/k8s-testenv.sh build      build/install the binaries once (cached in $FP_CACHE/k8s)
#   scripts/k8s-testenv.sh check      exit 0 when every binary is there (no output), else list what is missing
#   scripts/k8s-testenv.sh up DIR     start a cluster whose state, logs and certs live in DIR;
#                                     prints DIR/kubeconfig; DIR/env is shell-sourceable
#   scripts/k8s-testenv.sh down DIR   stop what `up DIR` started (idempotent)
#
# Binaries: kube-apiserver, kube-controller-manager, kube-scheduler and kubectl built from the Go
# module k8s.io/kubernetes (v1.30) with every staging module replaced by its published v0.30 twin;
# kwok from its Go module; etcd from Debian's etcd-server. See docs/kubernetes.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" = 0 ]; then FP_CACHE=${FP_CACHE:-/var/cache/fastapi-platform}; else FP_CACHE=${FP_CACHE:-$HOME/.cache/fastapi-platform}; fi
K8S_VERSION=v1.30.14
STAGING_VERSION=v0.30.14
KWOK_VERSION=v0.7.0
K8S_CACHE="$FP_CACHE/k8s"
BIN="$K8S_CACHE/bin"
KUBE_BINS="kube-apiserver kube-controller-manager kube-scheduler kubectl"
say() { printf '\033[1;34m[k8s-testenv]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[k8s-testenv]\033[0m %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------- build
etcd_bin() {
  local c
  for c in "${ETCD_BIN:-}" /usr/bin/etcd "$(command -v etcd 2>/dev/null || true)"; do
    if [ -n "$c" ] && [ -x "$c" ]; then echo "$c"; return 0; fi
  done
  return 1
}

missing() {
  local m="" b
  for b in $KUBE_BINS kwok; do
    [ -x "$BIN/$b" ] && [ -f "$BIN/.$b.$(stamp "$b")" ] || m="$m $b"
  done
  etcd_bin >/dev/null || m="$m etcd"
  echo "${m# }"
}

stamp() { case $1 in kwok) echo "$KWOK_VERSION" ;; *) echo "$K8S_VERSION" ;; esac; }

build_kube() { # builds every missing binary of $KUBE_BINS from one prepared copy of the module
  local todo="" b
  for b in $KUBE_BINS; do [ -x "$BIN/$b" ] && [ -f "$BIN/.$b.$K8S_VERSION" ] || todo="$todo $b"; done
  [ -n "$todo" ] || return 0
  command -v go >/dev/null 2>&1 || die "Go is needed to build the Kubernetes binaries"
  export GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0
  say "building$todo $K8S_VERSION into $BIN (slow the first time: 10-30 min on 2 cores)"
  local src work mods ldflags
  src=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  [ -n "$src" ] && [ -f "$src/go.mod" ] || die "could not download k8s.io/kubernetes@$K8S_VERSION"
  work="$K8S_CACHE/src-$K8S_VERSION"
  rm -rf "$work" && mkdir -p "$work"
  # Copy the module without its vendor tree, staging sources and workspace: every k8s.io/X v0.0.0
  # staging require is pointed at the published k8s.io/X@v0.30 module instead.
  (cd "$src" && tar --exclude=./vendor --exclude=./staging --exclude=./go.work --exclude=./go.work.sum \
     --exclude=./cluster --exclude=./docs --exclude=./CHANGELOG -cf - .) | (cd "$work" && tar -xf -)
  chmod -R u+w "$work"
  mods=$(sed -n 's#^\s*\(k8s.io/[A-Za-z0-9._-]*\) => ./staging/.*#\1#p' "$work/go.mod")
  [ -n "$mods" ] || die "no staging replaces found in k8s.io/kubernetes@$K8S_VERSION/go.mod"
  local edits=()
  for m in $mods; do edits+=("-replace=$m=$m@$STAGING_VERSION"); done
  (cd "$work" && go mod edit "${edits[@]}")
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=30"
    ldflags="$ldflags -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  mkdir -p "$BIN"
  for b in $todo; do
    say "go build ./cmd/$b"
    (cd "$work" && go build -trimpath -ldflags "$ldflags" -o "$BIN/$b.tmp" "./cmd/$b")
    mv "$BIN/$b.tmp" "$BIN/$b"
    rm -f "$BIN/.$b".* && touch "$BIN/.$b.$K8S_VERSION"
  done
  rm -rf "$work"
}

build_kwok() {
  [ -x "$BIN/kwok" ] && [ -f "$BIN/.kwok.$KWOK_VERSION" ] && return 0
  command -v go >/dev/null 2>&1 || die "Go is needed to build kwok"
  say "building kwok $KWOK_VERSION into $BIN"
  mkdir -p "$BIN"
  GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$BIN" \
    go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  rm -f "$BIN"/.kwok.* && touch "$BIN/.kwok.$KWOK_VERSION"
}

install_etcd() {
  etcd_bin >/dev/null && return 0
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || die "etcd is missing: install Debian's etcd-server (or set ETCD_BIN)"
  say "installing etcd-server (Debian package)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server) >/dev/null
  # The package starts a system etcd on 127.0.0.1:2379; the tests run their own, so stop that one.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then systemctl disable --now etcd >/dev/null 2>&1 || true; fi
  etcd_bin >/dev/null || die "etcd-server installed but no etcd binary found"
}

cmd_build() {
  mkdir -p "$BIN" && chmod 755 "$FP_CACHE" "$K8S_CACHE" "$BIN" 2>/dev/null || true
  install_etcd
  build_kwok
  build_kube
  local m; m=$(missing)
  [ -z "$m" ] || die "still missing after build: $m"
  say "ready: $BIN ($(etcd_bin))"
}

cmd_check() {
  local m; m=$(missing)
  [ -z "$m" ] && return 0
  echo "missing: $m (run: bash scripts/k8s-testenv.sh build)" >&2
  return 1
}

case "${1:-}" in
  build) cmd_build ;;
  check) cmd_check ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
