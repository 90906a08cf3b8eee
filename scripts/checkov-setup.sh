#!/usr/bin/env bash
# Installs the scanner tier's Checkov, pinned, into a project-local virtualenv (.tools/checkov-venv,
# git-ignored). Idempotent: does nothing when that version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=3.3.30
VENV=.tools/checkov-venv
if [ -x "$VENV/bin/checkov" ] && [ "$("$VENV/bin/pip" show checkov 2>/dev/null | sed -n 's/^Version: //p')" = "$VERSION" ]; then
    echo "checkov $VERSION already in $VENV"
    exit 0
fi
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "checkov==$VERSION"
echo "checkov $VERSION installed in $VENV"
