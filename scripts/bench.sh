#!/usr/bin/env bash
# Whole-process measurements of a release `ecsc build` (docs/performance.md):
# wall time with hyperfine for the generated programs of N = 1, 10, 50 and 200
# services, and the peak resident memory of each build.
#
#   scripts/bench.sh            # 20 runs each
#   scripts/bench.sh --quick    # 3 runs each
#
# Programs of 50 services and more exceed CloudFormation's 500 resources per
# stack: their builds run every check, report E5003 and exit 1 (hyperfine is
# told to ignore the exit code). The per-stage numbers come from criterion:
# `cargo bench --bench pipeline`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs=20
if [ "${1:-}" = "--quick" ]; then
    runs=3
fi

if ! command -v hyperfine >/dev/null 2>&1; then
    echo "bench: installing hyperfine (Debian package)" >&2
    apt-get install -y -q hyperfine >/dev/null 2>&1 || true
fi

cargo build --release -q
ecsc="$PWD/target/release/ecsc"
dir="$PWD/target/bench-programs"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cargo bench -q --bench pipeline -- --gen "$dir" >/dev/null

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ecsc: $("$ecsc" --version 2>/dev/null || echo unknown)"
echo

# Peak resident set size of one run, in KiB.
peak_rss() {
    if [ -x /usr/bin/time ]; then
        { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null || true; } | tail -n 1
    else
        python3 - "$@" <<'PY'
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
    fi
}

commands=()
for n in 1 10 50 200; do
    commands+=("$ecsc build $dir/services-$n.ecs -o $out/services-$n.json")
done

if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --shell=none --ignore-failure --warmup 3 --runs "$runs" \
        --export-markdown "$out/wall.md" "${commands[@]}" >/dev/null
    cat "$out/wall.md"
else
    echo "bench: hyperfine is not installed; timing one run each with bash's time" >&2
    for command in "${commands[@]}"; do
        echo "$command"
        # shellcheck disable=SC2086
        time $command >/dev/null 2>&1 || true
    done
fi
echo

printf '| N | lines | peak RSS (MiB) | exit code |\n|---:|---:|---:|---:|\n'
for n in 1 10 50 200; do
    file="$dir/services-$n.ecs"
    code=0
    "$ecsc" build "$file" -o "$out/rss.json" >/dev/null 2>&1 || code=$?
    rss=$(peak_rss "$ecsc" build "$file" -o "$out/rss.json")
    printf '| %s | %s | %s | %s |\n' "$n" "$(wc -l <"$file")" \
        "$(awk -v kib="$rss" 'BEGIN { printf "%.1f", kib / 1024 }')" "$code"
done
