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
export ROCKER_CONFIG="$T/config.json"
printf '{}\n' > "$ROCKER_CONFIG"
RUNS=${BENCH_RUNS:-5}

echo "rocker benchmarks on $(nproc) cores, $(uname -r)"

# BENCH_ONLY=sha|pull runs one section.
want() { [ -z "${BENCH_ONLY:-}" ] || [ "$BENCH_ONLY" = "$1" ]; }

# SHA-256 throughput on a 1 GiB file (page-cached: the hashing is measured,
# not the disk).
if want sha; then
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
fi

# Cold pull of a 112 MiB (3 layers, 51 MiB compressed) image from a
# registry on 127.0.0.1, into an empty store each time.
. "$TOP/tests/registry/lib.sh"
on_exit() { _cleanup="$1
${_cleanup:-}"; }
trap 'printf "%s\n" "${_cleanup:-}" | while IFS= read -r c; do
	[ -z "$c" ] || eval "$c" >/dev/null 2>&1 || :; done; rm -rf "$T"' EXIT
if want pull; then
	if images_build big >/dev/null 2>&1 && registry_start http bench &&
	    IMAGES=big images_push >/dev/null 2>&1; then
		S="$T/pullwork"
		mkdir -p "$S"
		PODMAN="podman --root $S/podroot --runroot $S/podrun \
			--cgroup-manager cgroupfs --events-backend file \
			--storage-driver overlay"
		"$B" -n "${BENCH_PULL_RUNS:-3}" -c "rm -rf $S; mkdir -p $S" \
		    -t "Cold pull of big:latest (112 MiB, 3 layers) from 127.0.0.1" \
			"rocker pull" "env ROCKER_ROOT=$S/rocker $R pull -q $REG_HOST/big:latest" \
			"podman pull" "$PODMAN pull -q --tls-verify=false $REG_HOST/big:latest" \
			"skopeo copy + umoci unpack" "sh -c 'skopeo copy -q --src-tls-verify=false docker://$REG_HOST/big:latest oci:$S/oci:big && umoci unpack --image $S/oci:big $S/bundle >/dev/null'" \
			"shell pipeline (curl|sha256|gzip|tar)" "bash $TOP/tests/bench/pipeline.sh $REG_HOST big:latest $S/pipe" \
			| tee "$T/pull.out"
		awk '/rocker pull/ { r = $(NF-2) } /podman pull/ { p = $(NF-2) }
		     /pipeline/ { s = $(NF-2) }
		     END { gsub("ms", "", r); gsub("ms", "", p); gsub("ms", "", s);
			if (r > 0) printf "  rocker vs podman: %.1fx faster (target >= 8x); vs the shell pipeline: %.2fx\n", p / r, s / r }' "$T/pull.out"
	else
		echo "  pull benchmark skipped: could not start the registry or build the image"
	fi
fi

echo
echo "Binary size"
printf '  %-34s %10s\n' "rocker (stripped, static)" "$(stat -c %s "$R") B"
for a in $("$R" --list); do printf '%s ' "$a"; done | \
	awk '{ printf "  applets: %s\n", $0 }'
