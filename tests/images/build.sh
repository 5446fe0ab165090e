#!/bin/sh
# build.sh - build the test images offline, cached under DIR
#
# usage: tests/images/build.sh DIR [big]
#
# Writes, from Debian's busybox-static (/bin/busybox) and nothing else:
#   DIR/oci/busybox   OCI layout, ref "latest": one layer, busybox + links
#   DIR/oci/layered   OCI layout: busybox layer + 3 layers with whiteouts,
#                     an opaque dir, hard/sym links, setuid/setgid files
#   DIR/oci/multi     OCI layout whose "latest" is an image index:
#                     linux/amd64, linux/arm64/v8, unknown/unknown attestation
#   DIR/dir/busybox-v2s2  skopeo dir: copy of busybox converted to Docker
#                     schema2 (application/vnd.docker.distribution.manifest.v2+json)
#   DIR/oci/big       only with "big": ~112 MiB uncompressed in 3 layers
#   DIR/expect/NAME.txt  the tree a correct extraction gives (see tree.sh)
# A stamp (hash of the inputs) makes a second run a no-op; a lock makes
# concurrent runs on one DIR safe. Prints nothing on success unless it
# built something. Needs python3, skopeo, busybox-static.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: build.sh DIR [big]}
PY=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
want="busybox layered multi"
[ "${2:-}" = big ] && want="$want big"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

exec 9>"$dir/.lock"
flock 9

# Anything that changes an image's bytes is an input.
inputs=$(cat "$here/mkimages.py" "$here/build.sh" /bin/busybox |
	sha256sum | cut -c1-16)-$("$PY" -c 'import zlib; print(zlib.ZLIB_RUNTIME_VERSION)')
if [ "$(cat "$dir/.inputs" 2>/dev/null)" != "$inputs" ]; then
	rm -rf "$dir/oci" "$dir/dir" "$dir/expect" "$dir"/.built-*
	printf '%s\n' "$inputs" > "$dir/.inputs"
fi

policy="$dir/.policy.json"
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' > "$policy"

for img in $want; do
	[ -e "$dir/.built-$img" ] && continue
	rm -rf "$dir/oci/$img"
	"$PY" "$here/mkimages.py" "$dir" "$img"
	if [ "$img" = busybox ]; then
		rm -rf "$dir/dir/busybox-v2s2"
		mkdir -p "$dir/dir"
		skopeo --policy "$policy" copy -q --format v2s2 \
			"oci:$dir/oci/busybox:latest" "dir:$dir/dir/busybox-v2s2"
	fi
	: > "$dir/.built-$img"
	echo "build.sh: built $img in $dir"
done
