#!/usr/bin/env bash
# Builds the real Pulumi engine of the e2e tier (test/e2e) with the pulumi-real kit: the pulumi CLI,
# the Node.js language host, the random/command/kubernetes plugins and the simulated cluster's
# controller-manager, scheduler and kwok, into .tools/pulumi-real (ignored by git). The kit's
# build.sh keeps every binary that reports its version and recipe, so a warm run takes about a
# second. The Kubernetes pins come from tools/apiserver/go.mod, as for `npm run apiserver:setup`.
#   PULUMI_REAL_KIT=DIR  the kit (default: ../shared/pulumi-real beside this repository)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kit="${PULUMI_REAL_KIT:-$root/../shared/pulumi-real}"
[[ -f $kit/build.sh && -f $kit/cluster.sh ]] || {
  echo "engine-setup: the pulumi-real kit is not at $kit (build.sh, cluster.sh); set PULUMI_REAL_KIT to its folder" >&2
  exit 1
}
start=$(date +%s)
APISERVER_MODULE="$root/tools/apiserver" bash "$kit/build.sh" "$root/.tools/pulumi-real"
echo "engine-setup: .tools/pulumi-real ready in $(( $(date +%s) - start ))s"
