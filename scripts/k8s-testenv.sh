#!/usr/bin/env bash
# A real Kubernetes control plane on loopback for the tests (no mocks): etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, and kwok standing in for the kubelet of one fake node.
#
#   scripts/k8s-testenv.sh build      build/install the binaries once (cached in $FP_CACHE/k8s)
#   scripts/k8s-testenv.sh check      exit 0 when every binary is there (no output), else list what is missing
#   scripts/k8s-testenv.sh up DIR     start a cluster whose state, logs and certs live in DIR;
#                                     prints DIR/kubeconfig; DIR/env is shell-sourceable
#   scripts/k8s-testenv.sh down DIR   stop what `up DIR` started (idempotent)
#   K8S_PARENT_PID=<pid> … up DIR     also tears the cluster down once that process has exited
#   K8S_READY_GATE=1 … up DIR         app pods turn Ready only once annotated fp-test/serving=true
#
# Binaries: kube-apiserver, kube-controller-manager, kube-scheduler and kubectl built from the Go
# module k8s.io/kubernetes (v1.30) with every staging module replaced by its published v0.30 twin;
# kwok from its Go module; etcd from Debian's etcd-server; Debian's kubernetes-client unpacked as
# kubectl-debian (v1.20, for a compatibility check). See docs/kubernetes.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" = 0 ]; then FP_CACHE=${FP_CACHE:-/var/cache/fastapi-platform}; else FP_CACHE=${FP_CACHE:-$HOME/.cache/fastapi-platform}; fi
K8S_VERSION=v1.30.14
STAGING_VERSION=v0.30.14
KWOK_VERSION=v0.7.0
K8S_CACHE="$FP_CACHE/k8s"
BIN="$K8S_CACHE/bin"
KWOK_LOGS_CRD="$K8S_CACHE/kwok-$KWOK_VERSION-logs-crd.yaml"
KWOK_STAGES="$K8S_CACHE/kwok-$KWOK_VERSION-pod-stages"   # kwok's default pod stages, for K8S_READY_GATE
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
  [ -f "$KWOK_LOGS_CRD" ] || m="$m kwok-logs-crd"
  [ -f "$KWOK_STAGES/pod-delete.yaml" ] || m="$m kwok-pod-stages"
  [ -x "$BIN/kubectl-debian" ] || m="$m kubectl-debian"
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
  # Copy the module without its vendor tree and workspace: every k8s.io/X v0.0.0 staging require
  # is pointed at the published k8s.io/X@v0.30 module instead of ./staging.
  (cd "$src" && tar --exclude=./vendor --exclude=./staging --exclude=./go.work --exclude=./go.work.sum \
     --exclude=./cluster --exclude=./docs --exclude=./CHANGELOG -cf - .) | (cd "$work" && tar -xf -)
  chmod -R u+w "$work"
  mods=$(sed -n 's#^\s*\(k8s.io/[A-Za-z0-9._-]*\) => ./staging/.*#\1#p' "$work/go.mod")
  [ -n "$mods" ] || die "no staging replaces found in k8s.io/kubernetes@$K8S_VERSION/go.mod"
  # A staging module whose published version the checksum database cannot confirm here is dropped
  # from the requirements: none of the four binaries imports it (kube-proxy, sample-*), and if one
  # ever did, the build would stop with "no required module provides package".
  local edits=() dropped=""
  for m in $mods; do
    if go mod download "$m@$STAGING_VERSION" >/dev/null 2>&1; then edits+=("-replace=$m=$m@$STAGING_VERSION")
    else edits+=("-droprequire=$m" "-dropreplace=$m"); dropped="$dropped ${m#k8s.io/}"; fi
  done
  [ -z "$dropped" ] || say "not verifiable here, dropped (unused by these binaries):$dropped"
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
  if [ ! -f "$KWOK_LOGS_CRD" ]; then # kwok's Logs CRD: a pod's `kubectl logs` reads a file named per pod
    local kdir
    kdir=$(GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
    cp "$kdir/kustomize/crd/bases/kwok.x-k8s.io_logs.yaml" "$KWOK_LOGS_CRD.tmp"
    chmod 644 "$KWOK_LOGS_CRD.tmp" && mv "$KWOK_LOGS_CRD.tmp" "$KWOK_LOGS_CRD"
  fi
  if [ ! -f "$KWOK_STAGES/pod-delete.yaml" ]; then
    local sdir
    sdir=$(GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
    rm -rf "$KWOK_STAGES.tmp" && mkdir -p "$KWOK_STAGES.tmp"
    cp "$sdir"/kustomize/stage/pod/fast/pod-ready.yaml "$sdir"/kustomize/stage/pod/fast/pod-complete.yaml \
      "$sdir"/kustomize/stage/pod/fast/pod-delete.yaml "$KWOK_STAGES.tmp/"
    chmod 644 "$KWOK_STAGES.tmp"/*.yaml
    rm -rf "$KWOK_STAGES" && mv "$KWOK_STAGES.tmp" "$KWOK_STAGES"
  fi
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

# Debian's kubernetes-client (bookworm: kubectl v1.20.2), unpacked next to the others rather than
# installed: it is far outside the ±1 version skew of a v1.30 server and would clash with another
# package's /usr/bin/kubectl. The tests use it to check that Debian's kubectl reads what we create.
install_debian_kubectl() {
  [ -x "$BIN/kubectl-debian" ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "apt-get is needed to fetch Debian's kubernetes-client"
  say "fetching Debian's kubernetes-client into $BIN/kubectl-debian"
  local tmp; tmp=$(mktemp -d)
  chmod 755 "$tmp"
  (cd "$tmp" && { apt-get download kubernetes-client >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get download kubernetes-client >/dev/null 2>&1; }; }) \
    || { rm -rf "$tmp"; die "could not download Debian's kubernetes-client"; }
  dpkg-deb -x "$tmp"/kubernetes-client_*.deb "$tmp/x"
  mv "$tmp/x/usr/bin/kubectl" "$BIN/kubectl-debian"
  rm -rf "$tmp"
}

cmd_build() {
  mkdir -p "$BIN" && chmod 755 "$FP_CACHE" "$K8S_CACHE" "$BIN" 2>/dev/null || true
  install_etcd
  install_debian_kubectl
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


# ------------------------------------------------------------------------------------------- up
NODE_NAME=kwok-node-0
# Loopback: a test can listen on a pod IP and the platform reaches it. Each cluster takes its own
# /24 of 127/8 so clusters started side by side never hand out the same pod IP.
POD_CIDR=${K8S_POD_CIDR:-127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).0/24}
SERVICE_CIDR=10.96.0.0/16   # ClusterIPs are only recorded, never routed to, in the test cluster
UP_TIMEOUT=${K8S_UP_TIMEOUT:-60}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

fail_up() { # message; shows where to look, stops what was started
  local dir=$1; shift
  printf '\033[1;31m[k8s-testenv]\033[0m %s\n' "$*" >&2
  local f
  for f in "$dir"/logs/*.log; do
    [ -f "$f" ] || continue
    echo "---- last lines of $f" >&2; tail -n 15 "$f" >&2
  done
  echo "logs: $dir/logs/ (etcd.log kube-apiserver.log kube-controller-manager.log kube-scheduler.log kwok.log)" >&2
  cmd_down "$dir" >/dev/null 2>&1 || true
  exit 1
}

start() { # name, command…: detached, logs to DIR/logs/name.log, pid recorded in DIR/pids
  local name=$1; shift
  setsid "$@" >"$DIR/logs/$name.log" 2>&1 < /dev/null &
  echo "$name $!" >> "$DIR/pids"
}

alive() { # name: is the recorded process still running?
  local pid; pid=$(awk -v n="$1" '$1==n {print $2}' "$DIR/pids" | tail -1)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

gen_certs() {
  local c="$DIR/pki"
  mkdir -p "$c" && chmod 700 "$c"
  openssl ecparam -name prime256v1 -genkey -noout -out "$c/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$c/ca.key" -subj "/CN=fastapi-platform-test-ca" -days 30 -out "$c/ca.crt" 2>/dev/null
  openssl ecparam -name prime256v1 -genkey -noout -out "$c/apiserver.key" 2>/dev/null
  openssl req -new -key "$c/apiserver.key" -subj "/CN=kube-apiserver" -out "$c/apiserver.csr" 2>/dev/null
  printf '%s\n' "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
    "extendedKeyUsage=serverAuth" "keyUsage=digitalSignature,keyEncipherment" > "$c/apiserver.ext"
  openssl x509 -req -in "$c/apiserver.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" -CAcreateserial -days 30 \
    -extfile "$c/apiserver.ext" -out "$c/apiserver.crt" 2>/dev/null
  # client certificate the API server presents to the kubelet (kwok) for logs/exec
  openssl ecparam -name prime256v1 -genkey -noout -out "$c/kubelet-client.key" 2>/dev/null
  openssl req -new -key "$c/kubelet-client.key" -subj "/O=system:masters/CN=kube-apiserver-kubelet-client" -out "$c/kubelet-client.csr" 2>/dev/null
  printf '%s\n' "extendedKeyUsage=clientAuth" > "$c/client.ext"
  openssl x509 -req -in "$c/kubelet-client.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" -CAcreateserial -days 30 \
    -extfile "$c/client.ext" -out "$c/kubelet-client.crt" 2>/dev/null
  # kwok's kubelet serving certificate
  openssl ecparam -name prime256v1 -genkey -noout -out "$c/kubelet.key" 2>/dev/null
  openssl req -new -key "$c/kubelet.key" -subj "/CN=$NODE_NAME" -out "$c/kubelet.csr" 2>/dev/null
  printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:$NODE_NAME,DNS:localhost" "extendedKeyUsage=serverAuth" > "$c/kubelet.ext"
  openssl x509 -req -in "$c/kubelet.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" -CAcreateserial -days 30 \
    -extfile "$c/kubelet.ext" -out "$c/kubelet.crt" 2>/dev/null
  openssl ecparam -name prime256v1 -genkey -noout -out "$c/sa.key" 2>/dev/null
  openssl ec -in "$c/sa.key" -pubout -out "$c/sa.pub" 2>/dev/null
  rm -f "$c"/*.csr "$c"/*.ext "$c"/*.srl
}

write_kubeconfig() { # file, token
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: fp-test
  cluster:
    server: $API_URL
    certificate-authority-data: $(base64 -w0 < "$DIR/pki/ca.crt")
users:
- name: admin
  user:
    token: $2
contexts:
- name: fp-test
  context:
    cluster: fp-test
    user: admin
current-context: fp-test
EOF
  chmod 600 "$1"
}

# A kwok Stage on pods, up to its selector's matchExpressions (the caller prints those next).
stage_head() { # name
  cat <<EOF
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: $1
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
EOF
}

# A Stage's next status: a running pod whose containers are Ready or not (further status lines may follow).
stage_status() { # True|False
  local reason='""' ready=true
  [ "$1" = True ] || { reason=ContainersNotReady; ready=false; }
  sed -e "s/@STATUS@/$1/" -e "s/@REASON@/$reason/" -e "s/@READY@/$ready/" <<'EOF'
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "@STATUS@"
        reason: @REASON@
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "@STATUS@"
        reason: @REASON@
        type: ContainersReady
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: @READY@
        started: true
        restartCount: 0
        state:
          running:
            startedAt: {{ $now | Quote }}
      {{ end }}
EOF
}

# K8S_READY_GATE=1: pods labelled app.kubernetes.io/managed-by=fastapi-platform (app pods) get their
# IP and run, but turn Ready only once annotated fp-test/serving=true, as a readiness probe gates a
# real kubelet's pod. test/helpers/kube.ts servePods() starts the runner on the pod IP, then
# annotates. Every other pod becomes Ready at once (kwok's default stages).
write_ready_gate() {
  local q="'"
  {
    # kwok's pod-ready stage, for every pod without the label
    sed "s#^    matchExpressions:\$#    matchExpressions:\n    - key: ${q}.metadata.labels[\"app.kubernetes.io/managed-by\"]${q}\n      operator: ${q}DoesNotExist${q}#" \
      "$KWOK_STAGES/pod-ready.yaml"
    echo "---"; cat "$KWOK_STAGES/pod-complete.yaml"
    echo "---"; cat "$KWOK_STAGES/pod-delete.yaml"
    stage_head fp-pod-start
    cat <<'EOF'
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.podIP'
      operator: 'DoesNotExist'
    - key: '.metadata.labels["app.kubernetes.io/managed-by"]'
      operator: 'In'
      values: ['fastapi-platform']
EOF
    stage_status False
    cat <<'EOF'
      hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
      podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
      phase: Running
      startTime: {{ $now | Quote }}
EOF
    stage_head fp-pod-serving
    cat <<'EOF'
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.podIP'
      operator: 'Exists'
    - key: '.metadata.annotations["fp-test/serving"]'
      operator: 'In'
      values: ['true']
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'In'
      values: ['False']
EOF
    stage_status True
  } > "$1"
}

cmd_up() {
  DIR=${1:-}
  [ -n "$DIR" ] || die "usage: k8s-testenv.sh up DIR"
  local m; m=$(missing)
  [ -z "$m" ] || die "missing binaries: $m — run: bash scripts/k8s-testenv.sh build"
  mkdir -p "$DIR" && DIR=$(cd "$DIR" && pwd)
  if [ -f "$DIR/pids" ]; then cmd_down "$DIR" >/dev/null 2>&1 || true; fi
  rm -rf "$DIR/logs" "$DIR/etcd" "$DIR/pki" "$DIR/pids" "$DIR/env" "$DIR/kubeconfig"
  mkdir -p "$DIR/logs"
  : > "$DIR/pids"
  local t0=$SECONDS
  local etcd_port etcd_peer api_port kubelet_port
  etcd_port=$(free_port); etcd_peer=$(free_port); api_port=$(free_port); kubelet_port=$(free_port)
  API_URL="https://127.0.0.1:$api_port"
  gen_certs
  local token; token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s,admin,admin,"system:masters"\n' "$token" > "$DIR/pki/tokens.csv"
  write_kubeconfig "$DIR/kubeconfig" "$token"

  # etcd keeps its data in memory-backed /dev/shm when there is one (fsync on a disk is slow)
  local data="$DIR/etcd"
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    data=$(mktemp -d /dev/shm/fp-k8s-etcd.XXXXXX); ln -sfn "$data" "$DIR/etcd"
  else mkdir -p "$data"; fi
  start etcd "$(etcd_bin)" --name default --data-dir "$data" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "default=http://127.0.0.1:$etcd_peer" --snapshot-count 10000 --log-level warn \
    --logger zap --quota-backend-bytes 1073741824

  start kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --tls-cert-file "$DIR/pki/apiserver.crt" --tls-private-key-file "$DIR/pki/apiserver.key" \
    --client-ca-file "$DIR/pki/ca.crt" --token-auth-file "$DIR/pki/tokens.csv" \
    --authorization-mode Node,RBAC --anonymous-auth=false \
    --enable-admission-plugins NodeRestriction,PodSecurity \
    --disable-admission-plugins TaintNodesByCondition \
    --allow-privileged=true \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$DIR/pki/sa.pub" --service-account-signing-key-file "$DIR/pki/sa.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --endpoint-reconciler-type none \
    --kubelet-client-certificate "$DIR/pki/kubelet-client.crt" --kubelet-client-key "$DIR/pki/kubelet-client.key" \
    --kubelet-certificate-authority "$DIR/pki/ca.crt" --kubelet-preferred-address-types InternalIP \
    --profiling=false --enable-priority-and-fairness=false --watch-cache=true \
    --event-ttl 10m --v 1

  # /readyz: etcd up, RBAC bootstrap roles and priority classes in place
  local deadline=$((SECONDS + UP_TIMEOUT)) ok=""
  while [ $SECONDS -lt $deadline ]; do
    alive etcd || fail_up "$DIR" "etcd exited during start-up"
    alive kube-apiserver || fail_up "$DIR" "kube-apiserver exited during start-up"
    if [ "$(curl -s --max-time 2 --cacert "$DIR/pki/ca.crt" -H "Authorization: Bearer $token" "$API_URL/readyz" 2>/dev/null)" = ok ]; then ok=1; break; fi
    sleep 0.2
  done
  [ -n "$ok" ] || fail_up "$DIR" "kube-apiserver not ready at $API_URL/readyz after ${UP_TIMEOUT}s"

  # kwok's Logs objects map a pod's container to a log file (test/helpers/kube.ts runPod writes one)
  "$BIN/kubectl" --kubeconfig "$DIR/kubeconfig" apply -f "$KWOK_LOGS_CRD" >"$DIR/logs/crd.log" 2>&1 \
    || fail_up "$DIR" "could not install kwok's Logs CRD (see $DIR/logs/crd.log)"

  start kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$DIR/kubeconfig" --authentication-kubeconfig "$DIR/kubeconfig" --authorization-kubeconfig "$DIR/kubeconfig" \
    --leader-elect=false --bind-address 127.0.0.1 --secure-port 0 \
    --controllers serviceaccount-token-controller,serviceaccount-controller,root-ca-certificate-publisher-controller,deployment-controller,replicaset-controller,statefulset-controller,namespace-controller,garbage-collector-controller,endpoints-controller,endpointslice-controller \
    --service-account-private-key-file "$DIR/pki/sa.key" --root-ca-file "$DIR/pki/ca.crt" \
    --use-service-account-credentials=false --concurrent-deployment-syncs 10 --concurrent-replicaset-syncs 10 \
    --concurrent-gc-syncs 10 --v 1
  start kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig "$DIR/kubeconfig" --authentication-kubeconfig "$DIR/kubeconfig" --authorization-kubeconfig "$DIR/kubeconfig" \
    --leader-elect=false --bind-address 127.0.0.1 --secure-port 0 --v 1
  local kwok_config=()
  if [ "${K8S_READY_GATE:-}" = 1 ]; then write_ready_gate "$DIR/kwok-stages.yaml"; kwok_config=(--config "$DIR/kwok-stages.yaml"); fi
  start kwok "$BIN/kwok" "${kwok_config[@]}" \
    --kubeconfig "$DIR/kubeconfig" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --enable-crds Logs \
    --node-ip 127.0.0.1 --node-name "$NODE_NAME" --cidr "$POD_CIDR" --node-port "$kubelet_port" \
    --server-address "127.0.0.1:$kubelet_port" \
    --tls-cert-file "$DIR/pki/kubelet.crt" --tls-private-key-file "$DIR/pki/kubelet.key"

  # the fake node kwok manages; its podCIDR is where pod IPs come from
  "$BIN/kubectl" --kubeconfig "$DIR/kubeconfig" apply -f - >"$DIR/logs/node.log" 2>&1 <<EOF || fail_up "$DIR" "could not create node $NODE_NAME (see $DIR/logs/node.log)"
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: $NODE_NAME
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
spec:
  podCIDR: $POD_CIDR
  podCIDRs: [$POD_CIDR]
EOF
  ok=""
  while [ $SECONDS -lt $deadline ]; do
    for p in kube-controller-manager kube-scheduler kwok; do alive $p || fail_up "$DIR" "$p exited during start-up"; done
    if [ "$("$BIN/kubectl" --kubeconfig "$DIR/kubeconfig" get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] \
       && "$BIN/kubectl" --kubeconfig "$DIR/kubeconfig" -n default get serviceaccount default >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.2
  done
  [ -n "$ok" ] || fail_up "$DIR" "node $NODE_NAME not Ready (kwok) or no default ServiceAccount after ${UP_TIMEOUT}s"

  cat > "$DIR/env" <<EOF
export KUBECONFIG='$DIR/kubeconfig'
export K8S_API_URL='$API_URL'
export K8S_ADMIN_TOKEN='$token'
export K8S_DIR='$DIR'
export K8S_NODE='$NODE_NAME'
export K8S_POD_CIDR='$POD_CIDR'
export KUBECTL='$BIN/kubectl'
export K8S_PIDS='$(awk '{printf "%s=%s ", $1, $2}' "$DIR/pids")'
EOF
  # K8S_PARENT_PID: tear the cluster down when that process is gone (a test run killed mid-way)
  if [ -n "${K8S_PARENT_PID:-}" ]; then
    setsid bash "$0" watch "$K8S_PARENT_PID" "$DIR" >/dev/null 2>&1 < /dev/null &
  fi
  say "up in $((SECONDS - t0))s: $API_URL (logs in $DIR/logs)"
  echo "$DIR/kubeconfig"
}

# ----------------------------------------------------------------------------------------- down
cmd_watch() { # parent-pid DIR
  echo $$ > "$2/watch.pid"
  while kill -0 "$1" 2>/dev/null && [ -f "$2/pids" ]; do sleep 1; done
  rm -f "$2/watch.pid"
  cmd_down "$2"
}

cmd_down() {
  local dir=${1:-}
  [ -n "$dir" ] || die "usage: k8s-testenv.sh down DIR"
  [ -d "$dir" ] || return 0
  if [ -f "$dir/watch.pid" ]; then
    local w; w=$(cat "$dir/watch.pid")
    [ "$w" = "$$" ] || kill "$w" 2>/dev/null || true
    rm -f "$dir/watch.pid"
  fi
  if [ -f "$dir/pids" ]; then
    local pids name pid
    pids=$(tac "$dir/pids" | awk '{print $2}')
    for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 50); do
      local any=""
      for pid in $pids; do kill -0 "$pid" 2>/dev/null && any=1; done
      [ -z "$any" ] && break
      sleep 0.1
    done
    for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
    rm -f "$dir/pids"
  fi
  if [ -L "$dir/etcd" ]; then
    local data; data=$(readlink "$dir/etcd")
    case $data in /dev/shm/fp-k8s-etcd.*) rm -rf "$data" ;; esac
    rm -f "$dir/etcd"
  fi
  return 0
}

case "${1:-}" in
  build) cmd_build ;;
  check) cmd_check ;;
  up) cmd_up "${2:-}" ;;
  down) cmd_down "${2:-}" ;;
  watch) cmd_watch "$2" "$3" ;;
  *) sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
