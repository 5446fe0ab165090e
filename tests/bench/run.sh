#!/bin/sh
# run.sh - `make bench`: rocker against peer tools, side by side in one run
#
# Each section runs its commands alternately (benchrun), prints the median
# wall time, the ratio to the section's first row and the peak RSS. Rows are
# added by later features (pull, run, exec, networking).
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B="$TOP/build/host/benchrun"
R="$TOP/rocker"
T=$(mktemp -d "${TMPDIR:-/tmp}/rocker-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
RUNS=${BENCH_RUNS:-5}

echo "rocker benchmarks on $(nproc) cores, $(uname -r)"

# SHA-256 throughput on a 1 GiB file (page-cached: the hashing is measured,
# not the disk).
head -c 1073741824 /dev/urandom > "$T/1g"
cat "$T/1g" > /dev/null
"$B" -n "$RUNS" -u 1024 -t "SHA-256 of a 1 GiB file (throughput in MiB/s)" \
	"rocker digest (SHA-NI if present)" "$R digest $T/1g" \
	"rocker digest --portable (BearSSL)" "$R digest --portable $T/1g" \
	"sha256sum (coreutils)" "sha256sum $T/1g" \
	"openssl dgst -sha256" "openssl dgst -sha256 $T/1g" | tee "$T/sha"
rm -f "$T/1g"
if "$R" info | grep -q 'SHA-256: SHA-NI'; then
	awk -v a="$(sed -n 's/.*SHA-NI if present) *\([0-9.]*\)ms.*/\1/p' "$T/sha")" \
	    -v p="$(sed -n 's/.*(BearSSL) *\([0-9.]*\)ms.*/\1/p' "$T/sha")" \
	    'BEGIN { printf "  SHA-NI speed-up over BearSSL portable: %.1fx (target >= 5x)\n", p / a }'
else
	echo "  this CPU has no SHA-NI: the portable code is used"
fi

echo
echo "Binary size"
printf '  %-34s %10s\n' "rocker (stripped, static)" "$(stat -c %s "$R") B"
for a in $("$R" --list); do printf '%s ' "$a"; done | \
	awk '{ printf "  applets: %s\n", $0 }'
