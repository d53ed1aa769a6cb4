#!/usr/bin/env bash
# Idempotently create a Python venv at <repo>/.venv with a pinned cfn-lint.
# Prints the path of the cfn-lint binary on stdout; everything else is quiet.
# Requires only python3 (>= 3.9) and network access to PyPI.
set -euo pipefail

CFN_LINT_VERSION="1.58.0"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${repo_root}/.venv"
python="${PYTHON:-python3}"

if [ ! -x "${venv}/bin/python" ]; then
    "${python}" -m venv "${venv}" >&2
fi

installed="$("${venv}/bin/python" - <<'PY' 2>/dev/null || true
from importlib.metadata import version, PackageNotFoundError
try:
    print(version("cfn-lint"))
except PackageNotFoundError:
    print("")
PY
)"

if [ "${installed}" != "${CFN_LINT_VERSION}" ]; then
    "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-input "cfn-lint==${CFN_LINT_VERSION}" >&2
fi

bin="${venv}/bin/cfn-lint"
if [ ! -x "${bin}" ]; then
    echo "setup-cfn-lint: ${bin} missing after install" >&2
    exit 1
fi
echo "${bin}"
