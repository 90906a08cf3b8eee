#!/usr/bin/env bash
# Compares what the program registers (test/tools/registrations.ts: every stack × rollout stage, other
# router, DR failover) at a git ref with the working tree. Exit 0 when identical, 1 with the diff.
# Usage: scripts/registrations-diff.sh [REF]   (default: HEAD)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
ref="${1:-HEAD}"
work="$(mktemp -d)"
trap 'git -C "$root" worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git -C "$root" worktree add --detach -q "$work/tree" "$ref"
ln -s "$root/node_modules" "$work/tree/node_modules"
# The tool itself comes from the working tree, so refs older than it can be compared too.
mkdir -p "$work/tree/test/tools"
cp "$root/test/tools/registrations.ts" "$work/tree/test/tools/registrations.ts"

run() { (cd "$1" && npx ts-node --transpile-only test/tools/registrations.ts "$2" 2>"$2.log") || { cat "$2.log" >&2; exit 2; }; }
run "$work/tree" "$work/before.json"
run "$root" "$work/after.json"

count="$(grep -c '"urn"' "$work/after.json")"
if diff -u "$work/before.json" "$work/after.json" >"$work/diff"; then
  echo "registrations identical: $ref vs working tree ($count resource registrations compared)"
elif ! grep -E '^[-+] ' "$work/diff" | grep -qvE '"serialisedProvider"|"serialisedGuard"|"claude-enhancer.io/guard-config-sha256"'; then
  # Only serialised code changed (see test/tools/registrations.ts): the HealthGate provider's source text,
  # on which the engine plans no update (its diff looks at the stage and versions only), and the rollout
  # guard's program with the pod template's checksum over it, which restarts the guard's pod.
  echo "registrations identical: $ref vs working tree ($count compared) apart from serialised code:" \
    "the HealthGate provider's in $(grep -c '^+ .*"serialisedProvider"' "$work/diff")," \
    "the rollout guard's in $(grep -c '^+ .*"serialisedGuard"' "$work/diff") (its pod restarts with the new code)"
else
  head -200 "$work/diff"
  echo "registrations differ: $ref vs working tree" >&2
  exit 1
fi
