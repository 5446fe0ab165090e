#!/bin/sh
# run.sh - run libFuzzer targets on copies of their seed corpora
#
# usage: tests/fuzz/run.sh SECONDS TARGET...
#
# TARGET is build/fuzz/NAME_fuzz; its seeds are tests/fixtures/NAME/. New
# corpus entries stay in a temporary copy; a crash input is kept in
# build/fuzz/crashes/ and fails the run. Prints "N passed, N failed" over
# the targets.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
secs=$1; shift
pass=0 fail=0
mkdir -p "$TOP/build/fuzz/crashes"
for t in "$@"; do
	name=${t##*/}; name=${name%_fuzz}
	corpus=$(mktemp -d)
	[ -d "$TOP/tests/fixtures/$name" ] &&
		cp -r "$TOP/tests/fixtures/$name/." "$corpus/"
	if "$t" -max_total_time="$secs" -print_final_stats=1 \
	    -artifact_prefix="$TOP/build/fuzz/crashes/$name-" \
	    "$corpus" > "$corpus.log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
			"$corpus.log")
		echo "ok - fuzz $name: ${secs}s, ${execs:-?} executions, no crash"
		pass=$((pass + 1))
	else
		echo "FAIL - fuzz $name: crash, see build/fuzz/crashes/"
		tail -n 30 "$corpus.log"
		fail=$((fail + 1))
	fi
	rm -rf "$corpus" "$corpus.log"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
