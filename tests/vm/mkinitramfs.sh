#!/bin/sh
# mkinitramfs.sh - the test VM's initramfs: rocker, busybox, a few modules
#
# usage: tests/vm/mkinitramfs.sh OUT ROCKER KERNELTREE [MODULE...]
#
# Writes OUT, a gzipped newc cpio archive holding only
#   /init              tests/vm/init.sh
#   /bin/busybox       Debian's busybox-static (/bin/busybox), plus links
#   /bin/rocker        ROCKER (a static binary)
#   /lib/modules/*.ko  MODULE... and what they depend on, from KERNELTREE
#                      (what kernel.sh printed), uncompressed
#   /lib/modules/order the .ko files in load order (dependencies first)
# Default modules: overlay veth bridge virtio_pci virtio_net. Dependencies
# come from each module's .modinfo section (objcopy), so no depmod or
# modinfo is needed on the host. cpio is busybox's own (busybox cpio -o).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: mkinitramfs.sh OUT ROCKER KERNELTREE [MODULE...]}
rocker=${2:?usage} ktree=${3:?usage}
shift 3
[ $# -gt 0 ] || set -- overlay veth bridge virtio_pci virtio_net
bb=/bin/busybox

file "$bb" 2>/dev/null | grep -q 'statically linked' || {
	echo "mkinitramfs.sh: $bb is not static (install busybox-static)" >&2
	exit 1
}
mdir=$(echo "$ktree"/lib/modules/*/kernel)
[ -d "$mdir" ] || { echo "mkinitramfs.sh: no modules in $ktree" >&2; exit 1; }

root=$(mktemp -d "${TMPDIR:-/tmp}/rocker-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/lib/modules" "$root/dev" "$root/proc" \
	"$root/sys" "$root/tmp" "$root/run" "$root/var" "$root/etc" "$root/root"
cp "$bb" "$root/bin/busybox"
cp "$rocker" "$root/bin/rocker"
cp "$here/init.sh" "$root/init"
chmod 755 "$root/init" "$root/bin/rocker" "$root/bin/busybox"
for a in $("$bb" --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
ln -s bin "$root/sbin"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"

# add NAME: NAME's dependencies, then NAME, each once
added=" "
add() {
	case "$added" in *" $1 "*) return 0 ;; esac
	added="$added$1 "
	f=$(find "$mdir" -name "$1.ko" -o -name "$1.ko.xz" | head -n 1)
	[ -n "$f" ] || { echo "mkinitramfs.sh: no module $1" >&2; exit 1; }
	case "$f" in
	*.xz) xz -dc "$f" > "$root/lib/modules/$1.ko" ;;
	*) cp "$f" "$root/lib/modules/$1.ko" ;;
	esac
	deps=$(objcopy -O binary --only-section=.modinfo \
		"$root/lib/modules/$1.ko" /dev/stdout | tr '\0' '\n' |
		sed -n 's/^depends=//p' | tr ',' ' ')
	for d in $deps; do add "$d"; done
	echo "$1.ko" >> "$root/lib/modules/order"
}
: > "$root/lib/modules/order"
for m in "$@"; do add "$m"; done

(cd "$root" && find . | sort | "$bb" cpio -o -H newc 2>/dev/null) |
	gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
