#!/bin/sh
# run.sh - run every test suite and sum their "N passed, N failed" lines
#
# usage: tests/run.sh [SUITE...]
#   default: lint, unit tests, fuzz smoke (FUZZ_SMOKE seconds), integration,
#   then pull/images/run under the old-kernel filter and run/lifecycle on
#   the copy storage driver
#
# A suite is a program printing one line per check and a last line
# "N passed, N failed". A suite that exits non-zero with no failure counted,
# or prints no summary, counts as one failure. Each suite runs under
# timeout(1) (SUITE_TIMEOUT seconds, default 600: a hang fails that suite
# instead of eating the whole CI budget) and its wall time is printed.
# Suites read /dev/null: CI may start make with stdin closed, and then
# script(1) gets the pty master as fd 0 and reads back what the command
# printed (podman -it then showed nothing).
set -u
cd "$(dirname "$0")/.." || exit 1
start=$(date +%s)

pass=0 fail=0 bad=""
log=$(mktemp) digest=$(mktemp)
trap 'rm -f "$log" "$digest"' EXIT

# digest NAME: each failed check of the suite's log on one line (name, then
# its detail lines joined, cut to 400 characters), for the end of the run:
# CI shows only the last lines of what make check printed.
digest() {
	awk -v s="$1" '
	/^FAIL - / { if (l != "") print substr(l, 1, 400); l = s ": " $0; next }
	l != "" && /^  / { sub(/^ +/, " | "); l = l $0; next }
	l != "" { print substr(l, 1, 400); l = "" }
	END { if (l != "") print substr(l, 1, 400) }' "$log" >> "$digest"
}

suite() {
	name=$1; shift
	echo "=== $name"
	t0=$(date +%s)
	timeout -k 30 "${SUITE_TIMEOUT:-600}" "$@" < /dev/null > "$log" 2>&1
	st=$?
	cat "$log"
	echo "=== $name: $(( $(date +%s) - t0 )) s"
	[ "$st" = 124 ] && echo "=== $name: killed after ${SUITE_TIMEOUT:-600} s"
	digest "$name"
	sum=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$sum" ]; then
		echo "=== $name: no summary line (exit $st)"
		echo "$name: no summary line (exit $st)" >> "$digest"
		fail=$((fail + 1)); bad="$bad $name"
		return
	fi
	p=${sum%% passed*}
	f=${sum#*passed, }; f=${f%% failed*}
	pass=$((pass + p)); fail=$((fail + f))
	if [ "$f" != 0 ] || [ "$st" != 0 ]; then
		[ "$f" = 0 ] && fail=$((fail + 1))
		bad="$bad $name"
	fi
}

if [ $# -gt 0 ]; then
	for s in "$@"; do
		case $s in
		*.test) suite "$s" sh "$s" ;;
		*) suite "$s" "$s" ;;
		esac
	done
else
	suite lint sh tests/lint.sh
	for u in build/host/*_test; do
		[ -x "$u" ] && suite "unit/${u##*/}" "$u"
	done
	fuzz=$(ls build/fuzz/*_fuzz 2>/dev/null)
	[ -n "$fuzz" ] && suite "fuzz smoke (${FUZZ_SMOKE:-5}s each)" \
		sh tests/fuzz/run.sh "${FUZZ_SMOKE:-5}" $fuzz
	for t in tests/integration/*.test; do
		suite "integration/${t##*/}" sh "$t"
	done
	# Old kernels (docs/kernel.md): newer system calls fail with ENOSYS
	# under a seccomp filter (tests/compat/oldkernel.c); no overlayfs: the
	# copy driver.
	ok=$PWD/build/host/oldkernel
	for t in pull images run; do
		suite "oldkernel/$t.test" env ROCKER_TEST_WRAPPER=oldkernel \
			ROCKER="$ok $PWD/rocker" sh "tests/integration/$t.test"
	done
	for t in run lifecycle; do
		suite "copy-driver/$t.test" env ROCKER_STORAGE_DRIVER=copy \
			sh "tests/integration/$t.test"
	done
fi

echo
[ -n "$bad" ] && echo "failing suites:$bad"
[ -s "$digest" ] && { echo "failed checks:"; cat "$digest"; }
echo "all suites: $(( $(date +%s) - start )) s"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
