/* cexport.h - `docker export`: a container's root filesystem as a tar
 *
 * The caller mounts (overlay driver) or names (copy driver) the merged
 * rootfs; the whole tree is archived with tarw_tree() in its usual
 * format (deterministic order, numeric ids, security.capability and
 * user.* xattrs). The merged view has no whiteouts, so no overlay
 * conversion is done. Mount points inside the rootfs (/proc, /sys, a
 * volume, when the caller's mount namespace shows them) are archived as
 * empty directories, as Docker's export, which reads the graph driver's
 * mount and never the container's mounts, shows them. A file
 * bind-mounted over a rootfs file (/etc/hosts) is archived with the
 * mounted content: mount the rootfs in a namespace of its own, without
 * the container's mounts, to avoid that.
 */
#ifndef ROCKER_CEXPORT_H
#define ROCKER_CEXPORT_H

#include "err.h"
#include "tarwrite.h"

/*
 * Write a tar of every entry beneath the directory `rootfs` (a path; the
 * root itself is not listed, symlinks are never followed beneath it) to
 * `outfd` (borrowed, not closed; written with write(2), so a pipe or a
 * socket works), ending with the end-of-archive marker. Returns 0, or
 * -1 with `e` set ("export: PATH: cause"); the output is then
 * incomplete.
 */
int cexport_tree(const char *rootfs, int outfd, struct err *e);

#endif
