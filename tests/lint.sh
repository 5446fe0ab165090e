#!/bin/sh
# lint.sh - house rules that a compiler does not check (see ../shared STYLE)
#
# core/ never prints or exits (main.c, the dispatcher, is the exception;
# _exit() is allowed: it ends a forked worker, never the program);
# every applet in applets.def has its file and every applet file is listed;
# our code compiles warning-free with musl-gcc -Wall -Wextra -Werror; no
# third-party source is committed.
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 1

for f in core/*.c; do
	[ "$f" = core/main.c ] && continue
	n=$(grep -nE '\b(printf|puts|fputs|putchar|perror|exit|abort)\(' \
		"$f" | grep -vE '^\s*[0-9]+:\s*(/\*|\*)' | grep -v 'snprintf' |
		grep -v 'vsnprintf' | head -3)
	testing "core never prints or exits: $f" 'printf "%s" "$n"' ""
done

for a in $(sed -n 's/^APPLET[(]\([a-z0-9_]*\),.*/\1/p' applets/applets.def); do
	check "applet $a has applets/$a.c with ${a}_main and ${a}_usage" \
		"grep -q '^${a}_main(' applets/$a.c && grep -q '${a}_usage\[\]' applets/$a.c"
done
for f in applets/*.c; do
	a=${f#applets/}; a=${a%.c}
	[ "$a" = xwrap ] && continue
	check "applets/$a.c is listed in applets.def" \
		"grep -q '^APPLET($a,' applets/applets.def"
done

# core/seccomp.c includes tables generated at build time.
[ -f build/gen/seccomp_bpf.h ] || make -s build/gen/seccomp_bpf.h >/dev/null
for f in core/*.c applets/*.c; do
	check "warning-free: $f" "${CC_MUSL:-musl-gcc} -std=gnu99 -Os -Wall -Wextra -Werror \
		-Icore -Iapplets -Iconfig -Ibuild/gen -Ivendor/build/musl/include \
		-DROCKER_VERSION='\"lint\"' -fsyntax-only $f"
done

if git rev-parse --git-dir >/dev/null 2>&1; then
	testing "no third-party sources committed" \
		"git ls-files | grep -iE '(^|/)(bearssl|zlib)[^/]*/|br_[a-z]+\.c$|inflate\.c$|\.tar\.(xz|gz|bz2)$'" ""
	testing "vendor/ holds only the recipe" "git ls-files vendor/" \
		"vendor/build.sh\nvendor/fetch.sh\nvendor/musl.sh\nvendor/versions"
else
	skip "committed sources" "not a git checkout"
fi
done_testing
