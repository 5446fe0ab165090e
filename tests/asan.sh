#!/bin/sh
# asan.sh - the integration suite run with the host-libc ASan/UBSan build
#
# usage: tests/asan.sh BINARY [TEST...]
#   default: every tests/integration/*.test but those that test another
#   binary: build.test (the static musl binary's own properties), cross.test
#   (the aarch64 build), vm.test (the static binary in a VM) and
#   valgrind.test (build/vg/rocker), and runtime.test, whose two minutes go
#   to podman and containerd (the runtime's spec parsing is fuzzed and unit
#   tested with ASan; `make check-asan` can name it)
#
# Leak detection is off: LeakSanitizer checks at exit with a ptrace-based
# tracer child, which cannot attach once the process has joined another pid
# namespace (`nsenter -p`, the runtime's exec): the process then spins in
# sched_yield forever. Leaks are checked by valgrind.test instead.
#
# Every sanitizer report is written to a file under a fresh log directory
# (log_path), wherever the process runs, and stops the process
# (halt_on_error); a last check fails when any report was written, and
# prints them. Processes that run inside containers cannot load the
# dynamic ASan binary: tests skip --init with ROCKER_ASAN set.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/${1##*/}
shift
logs=$(mktemp -d /tmp/rocker-asan.XXXXXX)
chmod 0777 "$logs"
export ROCKER="$bin" ROCKER_ASAN=1 FAULT_KILLS=${FAULT_KILLS:-20}
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:exitcode=99:detect_leaks=0:log_path=$logs/asan:log_exe_name=1:handle_segv=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=99:log_path=$logs/ubsan:log_exe_name=1"
export LSAN_OPTIONS="exitcode=99"
if [ $# -eq 0 ]; then
	set --
	for t in "$TOP"/tests/integration/*.test; do
		case ${t##*/} in
		build.test|cross.test|vm.test|valgrind.test|runtime.test) ;;
		*) set -- "$@" "$t" ;;
		esac
	done
fi
cat > "$logs.check" <<EOC
#!/bin/sh
n=\$(ls "$logs" | wc -l)
if [ "\$n" = 0 ]; then
	echo "ok - no sanitizer report"
	echo "1 passed, 0 failed"
else
	echo "FAIL - \$n sanitizer reports:"
	for f in "$logs"/*; do echo "--- \$f"; head -n 60 "\$f"; done
	echo "0 passed, 1 failed"
	exit 1
fi
EOC
chmod +x "$logs.check"
sh "$TOP/tests/run.sh" "$@" "$logs.check"
st=$?
rm -rf "$logs" "$logs.check"
exit $st
