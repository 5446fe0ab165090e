#!/bin/sh
# rootfs.sh - write a small busybox root filesystem as a tar to stdout
#
# usage: tests/images/rootfs.sh | rocker import - local/busybox
#
# From Debian's busybox-static (/bin/busybox) alone: /bin/busybox, a link
# for each of its applets, /etc/passwd and /etc/group (root, a user
# "tester" 1000:1000 also in group "extra" 2000, nobody), /tmp, /root,
# /home/tester. Needs only sh, busybox and tar; works offline.
set -eu
bb=${BUSYBOX:-/bin/busybox}
[ -x "$bb" ] || { echo "rootfs.sh: $bb missing (apt-get install busybox-static)" >&2; exit 1; }
d=$(mktemp -d "${TMPDIR:-/tmp}/rootfs.XXXXXX")
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/bin" "$d/sbin" "$d/usr/bin" "$d/usr/sbin" "$d/etc" "$d/tmp" \
	"$d/root" "$d/home/tester" "$d/proc" "$d/sys" "$d/dev" "$d/var"
chmod 1777 "$d/tmp"
chmod 700 "$d/root"
cp "$bb" "$d/bin/busybox"
for a in $("$bb" --list-full); do
	[ -e "$d/$a" ] || ln -s /bin/busybox "$d/$a"
done
cat > "$d/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
tester:x:1000:1000:Test User:/home/tester:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat > "$d/etc/group" <<'G'
root:x:0:
tester:x:1000:
extra:x:2000:tester
nogroup:x:65534:
G
chown 1000:1000 "$d/home/tester"
tar --numeric-owner -C "$d" -cf - .
