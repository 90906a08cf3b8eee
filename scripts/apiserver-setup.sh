#!/usr/bin/env bash
# Builds the real kube-apiserver and etcd pinned in tools/apiserver/go.mod into .tools/bin
# (ignored by git) for the conformance test tier, and downloads the Gateway API module pinned in
# tools/gateway-api/go.mod, whose CRDs that tier installs: .tools/gateway-api links to it in Go's
# module cache (the repository holds no copy of them). Idempotent: a binary that already reports
# the pinned version is kept, so a warm run only reads two version strings. A rebuild after a
# pin change reuses Go's module and build caches (GOMODCACHE, GOCACHE).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
module="$root/tools/apiserver"
bin="$root/.tools/bin"

pinned() { awk -v m="$1" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$module/go.mod"; }
kube_version="$(pinned k8s.io/kubernetes)"
etcd_version="$(pinned go.etcd.io/etcd/server/v3)"
[[ -n "$kube_version" && -n "$etcd_version" ]] || { echo "apiserver-setup: versions not found in $module/go.mod" >&2; exit 1; }

# `kube-apiserver --version` prints "Kubernetes v1.34.4"; `etcd --version` starts "etcd Version: 3.6.4".
reports() {
  local out
  [[ -x "$1" ]] && out="$("$1" --version 2>/dev/null)" && [[ "${out%%$'\n'*}" == "$2" ]]
}

cd "$module"
mkdir -p "$bin"
# Static, stripped binaries without file paths: smaller and quicker to link; the tests need no debugger.
export CGO_ENABLED=0
# build OUTPUT LDFLAGS PACKAGE: writes beside OUTPUT, then renames, so an interrupted build leaves no half binary.
build() {
  command -v go >/dev/null || { echo "apiserver-setup: 'go' is not on PATH (Go >= 1.24 builds the binaries)" >&2; exit 1; }
  go build -trimpath -ldflags "$2" -o "$1.partial" "$3"
  mv -f "$1.partial" "$1"
}

if reports "$bin/kube-apiserver" "Kubernetes $kube_version"; then
  echo "apiserver-setup: kube-apiserver $kube_version up to date"
else
  echo "apiserver-setup: building kube-apiserver $kube_version"
  minor="${kube_version#v*.}"; minor="${minor%%.*}"
  # What the Kubernetes release build stamps, so --version reports the pinned release.
  stamp=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    stamp+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  build "$bin/kube-apiserver" "-s -w$stamp" k8s.io/kubernetes/cmd/kube-apiserver
fi

if reports "$bin/etcd" "etcd Version: ${etcd_version#v}"; then
  echo "apiserver-setup: etcd $etcd_version up to date"
else
  echo "apiserver-setup: building etcd $etcd_version"
  build "$bin/etcd" "-s -w" go.etcd.io/etcd/server/v3
fi

command -v go >/dev/null || { echo "apiserver-setup: 'go' is not on PATH (Go >= 1.24 downloads the Gateway API module)" >&2; exit 1; }
gateway_api="$(cd "$root/tools/gateway-api" && go mod download -json sigs.k8s.io/gateway-api | awk -F'"' '$2 == "Dir" { print $4 }')"
[[ -d "$gateway_api/config/crd/standard" ]] || { echo "apiserver-setup: no config/crd/standard in the Gateway API module ('$gateway_api')" >&2; exit 1; }
ln -sfn "$gateway_api" "$root/.tools/gateway-api"
echo "apiserver-setup: Gateway API CRDs from ${gateway_api##*/}"
