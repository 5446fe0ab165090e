#!/bin/sh
# init.sh - /init of the test VM (tests/integration/vm.test)
#
# Runs as PID 1 on the initramfs root (rootfs: pivot_root is impossible,
# so rocker's runtime takes its MS_MOVE + chroot path), with only cgroup v2
# mounted. Prints one line per check on the console:
#   RESULT NAME ok|fail|skip DETAIL
# then "VM-DONE", and powers off. The kernel command line gives
# rocker.reg=HOST:PORT, the registry (10.0.2.2 is the host's loopback
# through QEMU's user-mode network).
export PATH=/bin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# Kernel messages (the OOM killer's) would cut into the result lines.
echo 1 > /proc/sys/kernel/printk

REG=
for w in $(cat /proc/cmdline); do
	case $w in rocker.reg=*) REG=${w#rocker.reg=} ;; esac
done

result() { echo "RESULT $1 $2 ${3:-}"; }
# expect NAME WANT CMD...: runs CMD, compares its stdout with WANT
expect() {
	_n=$1 _w=$2; shift 2
	_g=$("$@" 2>/tmp/err)
	if [ "$_g" = "$_w" ]; then
		result "$_n" ok
	else
		result "$_n" fail "want [$(echo $_w)] got [$(echo $_g)] err [$(head -c 300 /tmp/err | tr '\n' ' ')]"
	fi
}
# check NAME CMD...: ok when CMD exits 0
check() {
	_n=$1; shift
	if "$@" >/tmp/out 2>&1; then
		result "$_n" ok
	else
		result "$_n" fail "$(head -c 300 /tmp/out | tr '\n' ' ')"
	fi
}

result boot ok "$(uname -r)"
expect root-is-rootfs rootfs sh -c "awk '\$2 == \"/\" {print \$3}' /proc/mounts"
expect cgroup-v2-only "cgroup2" sh -c \
	"grep -E ' cgroup2? ' /proc/mounts | awk '{print \$3}' | sort -u"

while read -r m; do
	insmod "/lib/modules/$m" || result "insmod-$m" fail
done < /lib/modules/order

ip link set lo up
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 &&
	ip route add default via 10.0.2.2
check network ip route get 10.0.2.2

# The store on a tmpfs: the initramfs root (rootfs) is no overlay upper.
mkdir -p /var/lib/rocker
mount -t tmpfs tmpfs /var/lib/rocker
export ROCKER_INSECURE_REGISTRIES=$REG

R=rocker
B=$REG/busybox:latest
expect pull "$B" $R pull -q "$B"
expect driver overlay sh -c "$R info 2>/dev/null | sed -n 's/^ *Storage Driver: \([a-z]*\).*/\1/p'"
expect run hello $R run --rm "$B" echo hello
# no pivot_root on rootfs: the MS_MOVE fallback is taken (debug log)
expect run-move-root 1 sh -c \
	"ROCKER_DEBUG=1 $R run --rm $B true 2>&1 | grep -c 'moving the'"
expect run-root-overlay overlay $R run --rm "$B" sh -c \
	"awk '\$2 == \"/\" {print \$3}' /proc/mounts"
expect cgroupns "0::/" $R run --rm "$B" cat /proc/self/cgroup

# -m: the limit file, and a hog dies of the OOM killer
expect memory-max 33554432 $R run --rm -m 32m "$B" cat /sys/fs/cgroup/memory.max
expect oom-137 137 sh -c \
	"$R run --name hog -m 32m $B sh -c 'tail /dev/zero' >/dev/null 2>&1; echo \$?"
expect oom-killed true $R inspect -f '{{.State.OOMKilled}}' hog
$R rm hog >/dev/null 2>&1

# --pids-limit: a fork bomb stays at the limit
expect pids-max 20 $R run --rm --pids-limit 20 "$B" cat /sys/fs/cgroup/pids.max
expect pids-bomb within $R run --rm --pids-limit 20 "$B" sh -c \
	'(i=0; while [ $i -lt 40 ]; do sleep 5 & i=$((i+1)); done) 2>/dev/null
	read n < /sys/fs/cgroup/pids.current
	m=$(sed -n "s/^max //p" /sys/fs/cgroup/pids.events)
	[ "$n" -le 20 ] && [ "$m" -gt 0 ] && echo within || echo "$n $m"'

# run -d + logs
expect detach 0 sh -c "$R run -d --name bg $B sh -c 'echo out-line; echo err-line >&2' >/dev/null; $R wait bg"
expect logs "out-line
err-line" sh -c "$R logs bg 2>&1 | sort -r"
$R rm bg >/dev/null 2>&1

if $R --list | grep -qx exec; then
	$R run -d --name ex "$B" sleep 60 >/dev/null
	expect exec hello-exec $R exec ex echo hello-exec
	expect exec-sees-pid1 sleep $R exec ex cat /proc/1/comm
	$R rm -f ex >/dev/null 2>&1
else
	result exec skip "no exec applet in this rocker"
	result exec-sees-pid1 skip "no exec applet in this rocker"
fi

if $R --list | grep -qx netns; then
	check netns-add $R netns add t1
	expect netns-exec lo sh -c "$R netns exec t1 ls /sys/class/net"
	expect netns-list t1 sh -c "$R netns list | cut -d' ' -f1"
	$R netns delete t1 >/dev/null 2>&1
else
	for r in netns-add netns-exec netns-list; do
		result $r skip "no netns applet in this rocker"
	done
fi

expect no-cgroup-left "" sh -c \
	"find /sys/fs/cgroup/rocker -mindepth 1 -type d 2>/dev/null"
echo VM-DONE
sync
poweroff -f
