#!/bin/sh
# tree.sh - list an extracted root file system the way mkimages.py writes
# DIR/expect/IMAGE.txt, so a pull/extraction test can compare the two:
#
#   sh tests/images/tree.sh ROOTFS | diff -u DIR/expect/busybox.txt -
#
# One line per entry below ROOTFS, sorted bytewise:
#   ./PATH f MODE SIZE      regular file (a hardlink is listed as a file)
#   ./PATH d MODE           directory
#   ./PATH l 777 -> TARGET  symlink, target verbatim
# MODE is octal permission bits with setuid/setgid/sticky (4755, 1777).
# Whiteout files must not appear: a correct extraction applied them.
set -eu
cd "${1:?usage: tree.sh ROOTFS}"
find . -mindepth 1 \( -type l -printf '%p l %m -> %l\n' \) -o \
	\( -type f -printf '%p f %m %s\n' \) -o -printf '%p %y %m\n' |
	LC_ALL=C sort
