# lib.sh - sourced by every tests/integration/*.test (toybox-style harness)
#
#   testing NAME COMMAND EXPECTED [INFILE [STDIN]]
#     runs COMMAND with `eval` in the test's scratch dir (INFILE written to
#     ./input, STDIN piped in) and compares its stdout with EXPECTED, both
#     through printf %b so "\n" works. Append "; echo $?" to check status.
#   check NAME COMMAND    passes when COMMAND (eval'd) exits 0
#   skip NAME REASON      counts nothing, says why
#   on_exit COMMAND       cleanup run at exit, last added first
#   done_testing          prints "N passed, N failed" and sets the status
#
# Each script runs the real binary $ROCKER with its own store and state
# roots under a fresh temporary directory, and an empty config file, so no
# test reads or writes the host's /var/lib/rocker, /run/rocker or
# /etc/rocker.

set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
ROCKER=${ROCKER:-$TOP/rocker}
T=$(mktemp -d "${TMPDIR:-/tmp}/rocker-test.XXXXXX")
export ROCKER_ROOT="$T/root" ROCKER_STATE="$T/state"
export ROCKER_CONFIG="$T/config.json"
# Containers' cgroups go under a parent of this test's own, so checks for
# leftovers are not confused by other rocker users on the host.
export ROCKER_CGROUP_PARENT="/rocker-test-${T##*.}"
printf '{}\n' > "$ROCKER_CONFIG"
# Bridge networking (the default for run) gets a bridge and subnet of the
# test's own, removed at exit, so no test touches a real rocker0.
export ROCKER_BRIDGE="${ROCKER_BRIDGE:-rkt$$}"
export ROCKER_BRIDGE_SUBNET="${ROCKER_BRIDGE_SUBNET:-10.$((200 + $$ % 50)).$(($$ / 50 % 256)).0/24}"
# script(1) runs its command with $SHELL, /bin/sh when unset (as under CI):
# the same shell in every run
export SHELL=/bin/sh
mkdir -p "$T/work"
cd "$T/work" || exit 1

_pass=0 _fail=0 _cleanup=""

on_exit() { _cleanup="$1
$_cleanup"; }

_finish() {
	printf '%s\n' "$_cleanup" | while IFS= read -r c; do
		[ -n "$c" ] && eval "$c" >/dev/null 2>&1
	done
	if ip link show "$ROCKER_BRIDGE" >/dev/null 2>&1; then
		ip link del "$ROCKER_BRIDGE"
		nft delete chain ip rocker "post-$ROCKER_BRIDGE"
		nft list table ip rocker | grep -q chain ||
			nft delete table ip rocker
	fi >/dev/null 2>&1
	cd / && rm -rf "$T"
	for _d in /sys/fs/cgroup/*"$ROCKER_CGROUP_PARENT" \
	    /sys/fs/cgroup/*/"$ROCKER_CGROUP_PARENT"; do
		[ -d "$_d" ] && rmdir "$_d" 2>/dev/null
	done
	return 0
}
trap _finish EXIT
trap 'exit 130' INT TERM

_result() {
	if [ "$1" = 0 ]; then
		_pass=$((_pass + 1)); echo "ok - $2"
	else
		_fail=$((_fail + 1)); echo "FAIL - $2"
	fi
}

testing() {
	_name=$1 _cmd=$2 _want=$(printf '%b' "$3")
	printf '%b' "${4:-}" > "$T/work/input"
	_got=$(printf '%b' "${5:-}" | eval "$_cmd" 2>"$T/stderr")
	if [ "$_got" = "$_want" ]; then
		_result 0 "$_name"
	else
		_result 1 "$_name"
		printf '  command: %s\n  expected: %s\n  got: %s\n  stderr: %s\n' \
			"$_cmd" "$_want" "$_got" "$(head -c 2000 "$T/stderr")"
	fi
}

check() {
	if (eval "$2") >"$T/out" 2>&1; then
		_result 0 "$1"
	else
		_result 1 "$1"
		printf '  command: %s\n  output: %s\n' "$2" \
			"$(head -c 2000 "$T/out")"
	fi
}

skip() { echo "skip - $1: $2"; }

done_testing() {
	echo "$_pass passed, $_fail failed"
	[ "$_fail" = 0 ]
}
