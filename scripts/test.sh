#!/usr/bin/env bash
# Runs every test of ecsc: the README's single test command.
#
# 1. Installs the pinned cfn-lint into .venv/ (once; scripts/setup-cfn-lint.sh),
#    which tests/cfn_lint.rs runs on every example's template.
# 2. Runs all test targets (unit tests, tests/*.rs: fixtures and snapshots,
#    tidy checks of the diagnostic codes, robustness, cfn-lint, ...), then the
#    doc tests. Extra arguments go to both cargo commands (e.g. `--release`).
#
# Snapshots: after an intended change, `INSTA_UPDATE=always scripts/test.sh`
# rewrites them; read the diff before committing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup-cfn-lint.sh >/dev/null
cargo test --no-fail-fast --all-targets "$@"
cargo test --doc "$@"
