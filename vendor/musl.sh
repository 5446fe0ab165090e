#!/bin/sh
# musl.sh - a static musl toolchain for a cross target, from Debian's source
#
# usage: vendor/musl.sh SRCDIR OUTDIR TARGET CROSS_PREFIX
#   e.g. vendor/musl.sh vendor/build/src vendor/build/aarch64-musl aarch64 \
#        aarch64-linux-gnu-
#
# Builds the musl archive listed in vendor/versions (fetched into SRCDIR by
# fetch.sh) with Debian's cross compiler CROSS_PREFIXgcc, static only, and
# installs it into OUTDIR: lib/ (libc.a, crt*.o, musl-gcc.specs),
# include/, and bin/musl-gcc, the wrapper that makes the cross gcc link
# against this musl (as musl-tools' musl-gcc does for the host).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$1 out=$2 target=$3 cross=$4
jobs=$(nproc 2>/dev/null || echo 2)
archive=$(awk '$1 == "musl" { print $3 }' "$here/versions")

command -v "${cross}gcc" >/dev/null || {
	echo "musl.sh: no ${cross}gcc (Debian package gcc-$target-linux-gnu)" >&2
	exit 1
}
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
rm -rf "$out.tmp"
mkdir -p "$out.tmp/src"
tar -xf "$src/$archive" -C "$out.tmp/src"
ms=$(echo "$out.tmp"/src/musl-*)
(
	cd "$ms"
	./configure --prefix="$out" --target="$target" \
		CROSS_COMPILE="$cross" CC="${cross}gcc" --disable-shared \
		--enable-wrapper=gcc --syslibdir="$out/lib" >../configure.log
	make -j"$jobs" >../make.log 2>&1 || {
		tail -20 ../make.log >&2; exit 1; }
) || { echo "musl.sh: build failed" >&2; exit 1; }
rm -rf "$out"
(cd "$ms" && make install >/dev/null 2>&1) || {
	echo "musl.sh: install failed" >&2; exit 1; }
rm -rf "$out.tmp"
