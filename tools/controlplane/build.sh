#!/usr/bin/env bash
# Builds the local control plane (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl,
# etcd, kwok) from their Go modules through the Go module proxy, into a cache outside the repository,
# and generates KubeVirt's own CRDs from its Go module beside them (kubevirt-<version>/crds.yaml).
# Skips everything when the cache already holds a complete build. Prints the bin directory last.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache_root="${DAAS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/daas-operator}"
key="k8s-${KUBERNETES_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}"
out="$cache_root/$key"
bin="$out/bin"
binaries=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok)
# Outside the key: a KubeVirt bump regenerates only its CRDs, not the Kubernetes binaries.
kubevirt_crds="$out/kubevirt-${KUBEVIRT_VERSION}/crds.yaml"

k8s_complete() { for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do [ -x "$bin/$b" ] || return 1; done; }
complete() { for b in "${binaries[@]}"; do [ -x "$bin/$b" ] || return 1; done; [ -s "$kubevirt_crds" ]; }
if complete; then echo "$bin"; exit 0; fi

# One build at a time per cache (parallel test runs, helpers): wait for the other, then re-check.
mkdir -p "$cache_root"
exec 9>"$cache_root/.build.lock"
flock 9
if complete; then echo "$bin"; exit 0; fi

command -v go >/dev/null || { echo "build.sh: Go is required (https://go.dev); none on PATH" >&2; exit 1; }
mkdir -p "$bin"
log() { echo "[controlplane] $*" >&2; }
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local

# --- Kubernetes: a builder module replacing every staging module by its published v0.x twin. ---
k8s_minor="${KUBERNETES_VERSION#v1.}"; k8s_minor="${k8s_minor%%.*}"
staging_version="v0.${KUBERNETES_VERSION#v1.}"
build_k8s() {
  local w="$out/build/kubernetes"
  mkdir -p "$w"
  log "resolving k8s.io/kubernetes@$KUBERNETES_VERSION"
  local gomod
  gomod="$(cd "$w" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [ -f "$gomod" ] || { log "no go.mod for k8s.io/kubernetes@$KUBERNETES_VERSION"; return 1; }
  # Upstream's runtime defaults: the go directive of the release decides godebug defaults.
  local godir
  godir="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$gomod" | head -1)"
  {
    echo "module daas.local/k8sbuild"
    echo
    echo "go $godir"
    echo
    echo "godebug default=go${godir%.*}"
    echo
    echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
    echo
    # Every "k8s.io/x => ./staging/src/k8s.io/x" line becomes "k8s.io/x => k8s.io/x v0.Y.Z".
    sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._/-]*\)[[:space:]]*=>[[:space:]]*\./staging/src/.*#replace \1 => \1 '"$staging_version"'#p' "$gomod"
  } > "$w/go.mod"
  grep -q '^replace k8s.io/api ' "$w/go.mod" || { log "no staging replace lines derived from $gomod"; return 1; }
  # A stub main so "go mod tidy" keeps the command packages' requirements.
  cat > "$w/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	_ "k8s.io/kubernetes/cmd/kube-scheduler/app"
	_ "k8s.io/kubectl/pkg/cmd"
)
GO
  (cd "$w" && go mod tidy >&2)
  local date; date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  local ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$k8s_minor"
    ld="$ld -X $p.gitTreeState=clean -X $p.buildDate=$date"
  done
  for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    [ -x "$bin/$c" ] && continue
    log "building $c $KUBERNETES_VERSION"
    (cd "$w" && go build -trimpath -ldflags "$ld" -o "$bin/$c.tmp" "k8s.io/kubernetes/cmd/$c" >&2)
    mv "$bin/$c.tmp" "$bin/$c"
  done
}

# --- etcd: its server module has replace lines too, so pin its sibling modules the same way. ---
build_etcd() {
  [ -x "$bin/etcd" ] && return 0
  local w="$out/build/etcd"
  mkdir -p "$w"
  log "building etcd $ETCD_VERSION"
  cat > "$w/go.mod" <<MOD
module daas.local/etcdbuild

go 1.24

require go.etcd.io/etcd/server/v3 $ETCD_VERSION

replace (
	go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 $ETCD_VERSION
	go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 $ETCD_VERSION
	go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 $ETCD_VERSION
	go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 $ETCD_VERSION
	go.etcd.io/etcd/server/v3 => go.etcd.io/etcd/server/v3 $ETCD_VERSION
)
MOD
  cat > "$w/tools.go" <<'GO'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3/etcdmain"
GO
  (cd "$w" && go mod tidy >&2 && go build -trimpath -ldflags "-s -w" -o "$bin/etcd.tmp" go.etcd.io/etcd/server/v3 >&2)
  mv "$bin/etcd.tmp" "$bin/etcd"
}

# --- kwok: no replace lines, so a plain install works; its own module keeps its newer k8s.io deps apart. ---
build_kwok() {
  [ -x "$bin/kwok" ] && return 0
  log "building kwok $KWOK_VERSION"
  local w="$out/build/kwok"
  mkdir -p "$w"
  (cd "$w" && GOBIN="$w/gobin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" >&2)
  mv "$w/gobin/kwok" "$bin/kwok"
}

# --- KubeVirt's CRDs: a small generator module calling virt-operator's own CRD builders. Its go.mod
# copies KubeVirt's replace lines, with its staging modules pinned to their published twins. ---
build_kubevirt_crds() {
  [ -s "$kubevirt_crds" ] && return 0
  local w="$out/build/kubevirt"
  mkdir -p "$w"
  log "generating KubeVirt $KUBEVIRT_VERSION CRDs"
  local gomod
  gomod="$(cd "$w" && go mod download -json "kubevirt.io/kubevirt@$KUBEVIRT_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [ -f "$gomod" ] || { log "no go.mod for kubevirt.io/kubevirt@$KUBEVIRT_VERSION"; return 1; }
  {
    echo "module daas.local/kubevirtcrds"
    echo
    echo "go $(sed -n 's/^go \([0-9.]*\).*/\1/p' "$gomod" | head -1)"
    echo
    echo "require kubevirt.io/kubevirt $KUBEVIRT_VERSION"
    echo
    echo "replace ("
    sed -n '/^replace (/,/^)/p' "$gomod" | sed '1d;$d' |
      sed 's#^\([[:space:]]*\)\(kubevirt\.io/[A-Za-z0-9._/-]*\)[[:space:]]*=>[[:space:]]*\./staging/src/.*#\1\2 => \2 '"$KUBEVIRT_VERSION"'#'
    echo ")"
  } > "$w/go.mod"
  grep -q "kubevirt.io/api => kubevirt.io/api $KUBEVIRT_VERSION" "$w/go.mod" || { log "no staging replace lines derived from $gomod"; return 1; }
  cp "$here/kubevirt-crds/main.go" "$w/main.go"
  (cd "$w" && go mod tidy >&2 && go build -trimpath -ldflags "-s -w" -o "$w/kubevirt-crds" . >&2)
  mkdir -p "$(dirname "$kubevirt_crds")"
  "$w/kubevirt-crds" > "$kubevirt_crds.tmp"
  mv "$kubevirt_crds.tmp" "$kubevirt_crds"
}

start=$(date +%s)
build_etcd
build_kwok
k8s_complete || build_k8s
build_kubevirt_crds
complete || { log "incomplete build in $bin"; exit 1; }
log "built in $(( $(date +%s) - start ))s"
rm -rf "$out/build"
echo "$bin"
