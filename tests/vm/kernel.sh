#!/bin/sh
# kernel.sh - Debian's cloud kernel and its modules, unpacked, cached
#
# usage: tests/vm/kernel.sh DIR
#
# Downloads the package linux-image-cloud-amd64 depends on (apt-get
# download: nothing is installed on the host) and unpacks it with
# dpkg-deb -x into DIR/PACKAGE/. Prints the unpacked tree's path; under it
# boot/vmlinuz-* is the kernel and lib/modules/*/kernel/ the modules. A
# second run with the same package does nothing. VM_KERNEL_DEB=FILE uses
# that .deb instead of asking apt. Exits 1 with the reason on stderr when
# no kernel can be had.
set -eu
dir=${1:?usage: kernel.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

if [ -n "${VM_KERNEL_DEB:-}" ]; then
	deb=$VM_KERNEL_DEB
	pkg=$(basename "$deb" .deb)
else
	command -v apt-cache >/dev/null || {
		echo "kernel.sh: no apt-cache to find the kernel package" >&2
		exit 1
	}
	pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	[ -n "$pkg" ] || {
		echo "kernel.sh: apt knows no linux-image-cloud-amd64" \
		     "(apt-get update?)" >&2
		exit 1
	}
	deb=
fi
out="$dir/$pkg"
if [ -e "$out/.done" ]; then
	echo "$out"
	exit 0
fi

exec 9>"$dir/.lock"
flock 9
if [ ! -e "$out/.done" ]; then
	rm -rf "$out" "$dir/dl"
	if [ -z "$deb" ]; then
		mkdir -p "$dir/dl"
		# apt's sandbox user cannot write here; root downloads.
		(cd "$dir/dl" && apt-get -q -o APT::Sandbox::User=root \
			download "$pkg") >"$dir/dl.log" 2>&1 || {
			cat "$dir/dl.log" >&2
			echo "kernel.sh: apt-get download $pkg failed" >&2
			exit 1
		}
		deb=$(echo "$dir"/dl/*.deb)
	fi
	dpkg-deb -x "$deb" "$out.tmp"
	rm -rf "$dir/dl"
	mv "$out.tmp" "$out"
	: > "$out/.done"
fi
echo "$out"
