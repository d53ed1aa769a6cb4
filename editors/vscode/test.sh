#!/usr/bin/env bash
# Tests the VS Code extension without VS Code (Node.js 20+ and npm):
#   1. npm ci: the pinned dependencies of package-lock.json;
#   2. node --check extension.js;
#   3. the TextMate grammar against tests/*.ecs (`// SYNTAX TEST` files:
#      each `^` line names scopes the characters above it must have), with
#      vscode-tmgrammar-test, which tokenizes as VS Code does
#      (vscode-textmate + Oniguruma);
#   4. node --test tests/: extension.js against stand-ins for the VS Code API
#      and the language client, and the manifest against the files.
# With --package it also builds the .vsix with @vscode/vsce (downloaded by
# npx, about 280 packages, so not part of CI) and checks what it contains.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

step() { printf '\n--> %s\n' "$*"; }

step "npm ci"
npm ci --no-audit --no-fund --loglevel=error

step "node --check extension.js"
node --check extension.js

step "grammar tests (tests/*.ecs)"
npx --no-install vscode-tmgrammar-test --compact 'tests/*.ecs'

step "extension tests (tests/*.test.js)"
node --test tests/

if [[ "${1:-}" == "--package" ]]; then
    step "vsce package"
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
    # No LICENSE and no public repository yet: say so instead of prompting.
    npx --yes @vscode/vsce@3.9.2 package --skip-license --allow-missing-repository \
        --out "$out/ecsc.vsix"
    # What the extension needs at run time is in it; the tests are not.
    listing="$(unzip -Z1 "$out/ecsc.vsix")"
    for file in extension/package.json extension/extension.js extension/language-configuration.json \
        extension/syntaxes/ecs.tmLanguage.json extension/node_modules/vscode-languageclient/package.json; do
        grep -qx "$file" <<<"$listing" || { echo "missing from the .vsix: $file" >&2; exit 1; }
    done
    if grep -q '^extension/tests/' <<<"$listing"; then
        echo "the .vsix contains tests/" >&2
        exit 1
    fi
    echo "the .vsix holds $(wc -l <<<"$listing") files"
fi
