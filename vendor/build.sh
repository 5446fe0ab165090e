#!/bin/sh
# build.sh - build static BearSSL and zlib from the fetched archives
#
# usage: vendor/build.sh SRCDIR OUTDIR CC [CFLAGS...]
#
# Extracts the archives listed in vendor/versions from SRCDIR into
# OUTDIR/src and writes OUTDIR/lib/libbearssl.a, OUTDIR/lib/libz.a and
# OUTDIR/include/. The same sources serve two flavours: musl-gcc for the
# rocker binary, the host compiler for unit tests and fuzzing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$1 out=$2 cc=$3
shift 3
cflags="$*"
jobs=$(nproc 2>/dev/null || echo 2)

archive() { awk -v n="$1" '$1 == n { print $3 }' "$here/versions"; }

rm -rf "$out.tmp"
mkdir -p "$out.tmp/src" "$out.tmp/obj/bearssl" "$out.tmp/obj/zlib" \
	 "$out.tmp/lib" "$out.tmp/include"

tar -xf "$src/$(archive bearssl)" -C "$out.tmp/src"
tar -xf "$src/$(archive zlib)" -C "$out.tmp/src"
bs=$(echo "$out.tmp"/src/bearssl-*)
zs=$(echo "$out.tmp"/src/zlib-*)

# compile SRC OBJ EXTRA...: one object, run in parallel through xargs
cat > "$out.tmp/cc.sh" <<EOS
#!/bin/sh
set -e
o=\$1; shift
exec $cc $cflags "\$@" -c -o "\$o"
EOS
chmod +x "$out.tmp/cc.sh"

find "$bs/src" -name '*.c' | sort | while read -r f; do
	o=$(echo "${f#$bs/src/}" | tr / _)
	printf '%s\n%s\n' "$out.tmp/obj/bearssl/${o%.c}.o" "$f"
done | xargs -n 2 -P "$jobs" sh -c \
	'"$0" "$1" -I'"$bs/inc"' -I'"$bs/src"' "$2"' "$out.tmp/cc.sh"
ar rcs "$out.tmp/lib/libbearssl.a" "$out.tmp"/obj/bearssl/*.o
cp "$bs"/inc/*.h "$out.tmp/include/"

for f in adler32 crc32 deflate infback inffast inflate inftrees trees \
	 zutil compress uncompr; do
	printf '%s\n%s\n' "$out.tmp/obj/zlib/$f.o" "$zs/$f.c"
done | xargs -n 2 -P "$jobs" sh -c \
	'"$0" "$1" -DHAVE_UNISTD_H -DHAVE_STDARG_H -I'"$zs"' "$2"' \
	"$out.tmp/cc.sh"
ar rcs "$out.tmp/lib/libz.a" "$out.tmp"/obj/zlib/*.o
cp "$zs/zlib.h" "$zs/zconf.h" "$out.tmp/include/"

rm -rf "$out.tmp/obj" "$out"
mv "$out.tmp" "$out"
