#!/usr/bin/env bash
# Assembles the real Pulumi engine of the e2e tier (test/e2e) in .tools/pulumi-real (ignored by git):
#   bin/      the pulumi CLI, kube-controller-manager, kube-scheduler and kwok, built by the pulumi-real
#             kit from the Go module proxy; and ours: pulumi-language-nodejs (the Node.js language
#             host) and pulumi-resource-pulumi-nodejs (the dynamic-provider launcher)
#   plugins/  pulumi-resource-kubernetes (the kit's) and ours: pulumi-resource-random and
#             pulumi-resource-command, the test engine's stand-ins for those plugins
#   home/     a PULUMI_HOME with the three resource plugins installed, for running the CLI by hand
# Ours are small launchers that run this checkout's TypeScript (tools/) with scripts/load-typescript.js,
# so an edit to their sources needs no new set-up. The kit keeps every binary that reports its version
# and recipe, so a warm run takes about a second. The Kubernetes pins come from tools/apiserver/go.mod,
# as for `npm run apiserver:setup`.
#   PULUMI_REAL_KIT=DIR  the kit (default: ../shared/pulumi-real beside this repository)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kit="${PULUMI_REAL_KIT:-$root/../shared/pulumi-real}"
out="$root/.tools/pulumi-real"
[[ -f $kit/build.sh && -f $kit/cluster.sh ]] || {
  echo "engine-setup: the pulumi-real kit is not at $kit (build.sh, cluster.sh); set PULUMI_REAL_KIT to its folder" >&2
  exit 1
}
# The launchers quote the checkout's path in single quotes.
[[ $root != *"'"* ]] || { echo "engine-setup: the checkout's path must not contain a single quote: $root" >&2; exit 1; }
start=$(date +%s)
APISERVER_MODULE="$root/tools/apiserver" bash "$kit/build.sh" "$out"

# launcher FILE SOURCE WHAT: an executable that runs SOURCE (a .ts file of this checkout) in `node` from PATH.
launcher() {
  local file=$1 source=$2 what=$3
  [[ -f $root/$source ]] || { echo "engine-setup: $source is missing" >&2; exit 1; }
  local content
  content="#!/bin/sh
# $what, written by scripts/engine-setup.sh: runs $source of this checkout.
exec node --require '$root/scripts/load-typescript.js' '$root/$source' \"\$@\""
  # Rewritten only when it changes, so a warm run leaves the files (and their times) alone.
  if [[ ! -x $file || "$(cat "$file")" != "$content" ]]; then
    printf '%s\n' "$content" >"$file.partial"
    chmod 755 "$file.partial"
    mv -f "$file.partial" "$file"
  fi
}
launcher "$out/bin/pulumi-language-nodejs" tools/pulumi-nodejs/languageHost/main.ts "The Node.js language host"
launcher "$out/bin/pulumi-resource-pulumi-nodejs" tools/pulumi-nodejs/dynamicProvider/main.ts "The dynamic-provider launcher"
launcher "$out/plugins/pulumi-resource-random" tools/stand-in-plugins/random/main.ts "The test engine's random plugin"
launcher "$out/plugins/pulumi-resource-command" tools/stand-in-plugins/command/main.ts "The test engine's command plugin"

# The plugins in a PULUMI_HOME of their own, under the versions the npm SDKs ask for (docs/testing.md).
export PULUMI_HOME="$out/home" PULUMI_SKIP_UPDATE_CHECK=true
for plugin in random command kubernetes; do
  version="$(node -p "require('$root/node_modules/@pulumi/$plugin/package.json').version.replace(/^v/, '')")"
  installed="$PULUMI_HOME/plugins/resource-$plugin-v$version/pulumi-resource-$plugin"
  if ! cmp -s "$installed" "$out/plugins/pulumi-resource-$plugin"; then
    log="$("$out/bin/pulumi" plugin install resource "$plugin" "$version" --file "$out/plugins/pulumi-resource-$plugin" --reinstall 2>&1)" ||
      { echo "$log" >&2; echo "engine-setup: installing the $plugin plugin failed" >&2; exit 1; }
  fi
done
echo "engine-setup: .tools/pulumi-real ready in $(( $(date +%s) - start ))s"
