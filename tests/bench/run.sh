#!/bin/sh
# run.sh - `make bench`: rocker against peer tools, side by side in one run
#
# Each section runs its commands alternately (benchrun), prints the median
# wall time, the ratio to the section's first row and the peak RSS. Rows are
# added by later features (pull, run, exec, networking).
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B="$TOP/build/host/benchrun"
R="$TOP/rocker"
T=$(mktemp -d "${TMPDIR:-/tmp}/rocker-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
export ROCKER_CONFIG="$T/config.json"
printf '{}\n' > "$ROCKER_CONFIG"
RUNS=${BENCH_RUNS:-5}

echo "rocker benchmarks on $(nproc) cores, $(uname -r)"

# BENCH_ONLY=sha|pull|run|runtime|exec|ports runs one section.
want() { [ -z "${BENCH_ONLY:-}" ] || [ "$BENCH_ONLY" = "$1" ]; }

# SHA-256 throughput on a 1 GiB file (page-cached: the hashing is measured,
# not the disk).
if want sha; then
	head -c 1073741824 /dev/urandom > "$T/1g"
	cat "$T/1g" > /dev/null
	"$B" -n "$RUNS" -u 1024 -t "SHA-256 of a 1 GiB file (throughput in MiB/s)" \
		"rocker digest (SHA-NI if present)" "$R digest $T/1g" \
		"rocker digest --portable (BearSSL)" "$R digest --portable $T/1g" \
		"sha256sum (coreutils)" "sha256sum $T/1g" \
		"openssl dgst -sha256" "openssl dgst -sha256 $T/1g" | tee "$T/sha"
	rm -f "$T/1g"
	if "$R" info | grep -q 'SHA-256: SHA-NI'; then
		awk -v a="$(sed -n 's/.*SHA-NI if present) *\([0-9.]*\)ms.*/\1/p' "$T/sha")" \
		    -v p="$(sed -n 's/.*(BearSSL) *\([0-9.]*\)ms.*/\1/p' "$T/sha")" \
		    'BEGIN { printf "  SHA-NI speed-up over BearSSL portable: %.1fx (target >= 5x)\n", p / a }'
	else
		echo "  this CPU has no SHA-NI: the portable code is used"
	fi
fi

# Cold pull of a 112 MiB (3 layers, 51 MiB compressed) image from a
# registry on 127.0.0.1, into an empty store each time.
. "$TOP/tests/registry/lib.sh"
on_exit() { _cleanup="$1
${_cleanup:-}"; }
trap 'printf "%s\n" "${_cleanup:-}" | while IFS= read -r c; do
	[ -z "$c" ] || eval "$c" >/dev/null 2>&1 || :; done; rm -rf "$T"' EXIT
if want pull; then
	if images_build big >/dev/null 2>&1 && registry_start http bench &&
	    IMAGES=big images_push >/dev/null 2>&1; then
		S="$T/pullwork"
		mkdir -p "$S"
		PODMAN="podman --root $S/podroot --runroot $S/podrun \
			--cgroup-manager cgroupfs --events-backend file \
			--storage-driver overlay"
		# podman's overlay driver bind-mounts its own overlay/ dir:
		# unmount it before each fresh start and at the end.
		on_exit "umount $S/podroot/overlay"
		"$B" -n "${BENCH_PULL_RUNS:-3}" -c "umount $S/podroot/overlay 2>/dev/null; rm -rf $S; mkdir -p $S" \
		    -t "Cold pull of big:latest (112 MiB, 3 layers) from 127.0.0.1" \
			"rocker pull" "env ROCKER_ROOT=$S/rocker $R pull -q $REG_HOST/big:latest" \
			"podman pull" "$PODMAN pull -q --tls-verify=false $REG_HOST/big:latest" \
			"skopeo copy + umoci unpack" "sh -c 'skopeo copy -q --src-tls-verify=false docker://$REG_HOST/big:latest oci:$S/oci:big && umoci unpack --image $S/oci:big $S/bundle >/dev/null'" \
			"shell pipeline (curl|sha256|gzip|tar)" "bash $TOP/tests/bench/pipeline.sh $REG_HOST big:latest $S/pipe" \
			| tee "$T/pull.out"
		awk '/rocker pull/ { r = $(NF-2) } /podman pull/ { p = $(NF-2) }
		     /pipeline/ { s = $(NF-2) }
		     END { gsub("ms", "", r); gsub("ms", "", p); gsub("ms", "", s);
			if (r > 0) printf "  rocker vs podman: %.1fx faster (target >= 8x); vs the shell pipeline: %.2fx\n", p / r, s / r }' "$T/pull.out"
	else
		echo "  pull benchmark skipped: could not start the registry or build the image"
	fi
fi

# Container start/stop: `run --rm IMAGE true` against the OCI runtimes on
# an equivalent bundle (same busybox rootfs), podman, and the floor: bare
# namespaces plus chroot.
if want run; then
	S="$T/runwork"
	mkdir -p "$S/rootfs" "$S/bundle"
	sh "$TOP/tests/images/rootfs.sh" > "$S/rootfs.tar"
	tar -C "$S/rootfs" -xf "$S/rootfs.tar"
	tar -C "$S/bundle" -xf "$S/rootfs.tar" --one-top-level=rootfs 2>/dev/null ||
	    { mkdir -p "$S/bundle/rootfs"; tar -C "$S/bundle/rootfs" -xf "$S/rootfs.tar"; }
	RR="env ROCKER_ROOT=$S/rocker ROCKER_STATE=$S/rstate $R"
	$RR import "$S/rootfs.tar" bench/bb >/dev/null
	# A runc-style bundle: runc's default spec, not a terminal, `true`.
	(cd "$S/bundle" && runc spec >/dev/null 2>&1 && sed -i \
	    -e 's/"terminal": true/"terminal": false/' \
	    -e 's/"sh"/"true"/' config.json) || true
	PODMAN="podman --root $S/podroot --runroot $S/podrun \
		--cgroup-manager cgroupfs --events-backend file \
		--storage-driver overlay"
	on_exit "$PODMAN system reset -f; umount $S/podroot/overlay"
	$PODMAN import -q "$S/rootfs.tar" bench/bb >/dev/null 2>&1 || true
	# crun 1.8 refuses this host's hybrid cgroups: it runs in a mount
	# namespace without /sys/fs/cgroup/unified (one long-lived namespace,
	# entered with nsenter).
	CRUN="crun"
	if grep -q ' /sys/fs/cgroup/unified ' /proc/self/mountinfo; then
		unshare --mount --propagation private sh -c \
		    'umount /sys/fs/cgroup/unified && exec sleep 100000' &
		NSP=$!
		on_exit "kill $NSP"
		sleep 0.3
		CRUN="nsenter -t $NSP -m crun"
	fi
	# kfloor: the kernel work of the same container with Docker's
	# defaults (overlay, cgroups, namespaces, mounts) and nothing else;
	# its work dirs on the store's filesystem, its cgroups under a parent
	# of its own.
	KF="" KFCG=/rocker-bench-kfloor$$
	if [ -x "$TOP/build/host/kfloor" ]; then
		KF="$TOP/build/host/kfloor"
		mkdir -p "$S/kf"
		on_exit "rmdir /sys/fs/cgroup/*$KFCG /sys/fs/cgroup$KFCG"
	fi
	n=0
	# rocker's root and state come through benchrun's environment (no
	# `env` exec in rocker's rows); the bridge row uses a bridge of its
	# own, removed at the end.
	BR=rkr$$
	on_exit "ip link del $BR; nft delete chain ip rocker post-$BR; nft list table ip rocker | grep -q chain || nft delete table ip rocker"
	# The rows the targets compare run in the same rounds; podman and
	# the bridge row (heavy: a Go runtime, veth and namespace teardown
	# left to kernel workers) in rounds of their own, so that they do not
	# slow whichever row follows them.
	ROCKER_ROOT=$S/rocker ROCKER_STATE=$S/rstate \
	"$B" -n "${BENCH_RUN_RUNS:-20}" -w 2 \
	    -t "Container start+stop: run --rm IMAGE true" \
		"rocker run --rm --network none" "$R run --rm --network none bench/bb true" \
		"crun run (OCI bundle)" "sh -c '$CRUN run --bundle $S/bundle c\$\$'" \
		"runc run (OCI bundle)" "sh -c 'cd $S/bundle && runc run r\$\$'" \
		"floor: unshare --fork --pid --mount --uts --ipc --net chroot" "unshare --fork --pid --mount --uts --ipc --net chroot $S/rootfs /bin/true" \
		${KF:+"kernel work alone (tests/bench/kfloor.c)" "$KF $S/rootfs $S/kf $KFCG"} \
		| tee "$T/run.out"
	ROCKER_ROOT=$S/rocker ROCKER_STATE=$S/rstate ROCKER_BRIDGE=$BR \
	ROCKER_BRIDGE_SUBNET=10.252.$(($$ % 256)).0/24 \
	"$B" -n "${BENCH_RUN_RUNS:-20}" -w 2 \
	    -t "The same, heavier: podman, and rocker on the default bridge" \
		"podman run --rm --network none (runtime runc: crun refuses this hybrid host)" "$PODMAN --runtime runc run --rm --network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 bench/bb true" \
		"rocker run --rm (default bridge network: veth, IPAM)" "$R run --rm bench/bb true" \
		| tee -a "$T/run.out"
	awk '/rocker run --rm --network none/ { r = $(NF-2) } /crun run/ { c = $(NF-2) }
	     /^  floor:/ { f = $(NF-2) } /kernel work alone/ { k = $(NF-2) }
	     END { gsub("ms", "", r); gsub("ms", "", c); gsub("ms", "", f); gsub("ms", "", k);
		if (r > 0) printf "  rocker vs crun: %.2fx faster (target > 1); rocker / floor: %.2f (target <= 2)\n", c / r, r / f
		if (r > 0 && k > 0) printf "  kernel work alone / floor: %.2f; rocker / kernel work alone: %.2f\n", k / f, r / k }' "$T/run.out"
fi

# The OCI runtime (rocker-runc) as engines use it: `run` of a runc-style
# bundle against runc and crun on the same bundle, and podman driving each.
if want runtime; then
	S="$T/rtwork"
	mkdir -p "$S/bundle/rootfs" "$S/bin"
	sh "$TOP/tests/images/rootfs.sh" > "$S/rootfs.tar"
	tar -C "$S/bundle/rootfs" -xf "$S/rootfs.tar"
	ln -s "$R" "$S/bin/rocker-runc"
	(cd "$S/bundle" && runc spec >/dev/null 2>&1 && sed -i \
	    -e 's/"terminal": true/"terminal": false/' \
	    -e 's/"sh"/"true"/' config.json)
	RC="$S/bin/rocker-runc --root $S/rocker-runc"
	# runc's bundle has no cgroupsPath: rocker-runc then uses its
	# default parent /rocker-runc, which outlives the containers.
	find /sys/fs/cgroup -maxdepth 2 -type d -name rocker-runc |
	    grep -q . || on_exit "rmdir /sys/fs/cgroup/*/rocker-runc /sys/fs/cgroup/rocker-runc 2>/dev/null"
	CRUN="crun"
	if grep -q ' /sys/fs/cgroup/unified ' /proc/self/mountinfo; then
		unshare --mount --propagation private sh -c \
		    'umount /sys/fs/cgroup/unified && exec sleep 100000' &
		NSP2=$!
		on_exit "kill $NSP2"
		sleep 0.3
		CRUN="nsenter -t $NSP2 -m crun"
	fi
	PODMAN="podman --root $S/podroot --runroot $S/podrun \
		--cgroup-manager cgroupfs --events-backend file \
		--storage-driver overlay"
	on_exit "$PODMAN system reset -f; umount $S/podroot/overlay"
	PR=""
	$PODMAN import -q "$S/rootfs.tar" bench/bb >/dev/null 2>&1 && PR=1
	PU="--network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768"
	"$B" -n "${BENCH_RUN_RUNS:-20}" -w 2 \
	    -t "OCI runtime: run BUNDLE (create, start, wait, delete)" \
		"rocker-runc run" "sh -c 'cd $S/bundle && $RC run k\$\$'" \
		"runc run" "sh -c 'cd $S/bundle && runc run r\$\$'" \
		"crun run" "sh -c '$CRUN run --bundle $S/bundle c\$\$'" \
		${PR:+"podman --runtime rocker-runc run --rm"} \
		${PR:+"$PODMAN --runtime $S/bin/rocker-runc run --rm $PU bench/bb true"} \
		${PR:+"podman --runtime runc run --rm"} \
		${PR:+"$PODMAN --runtime runc run --rm $PU bench/bb true"} \
		| tee "$T/rt.out"
	awk '/rocker-runc run/ && !/podman/ { r = $(NF-2) }
	     /^ *runc run/ { u = $(NF-2) } /crun run/ { c = $(NF-2) }
	     END { gsub("ms", "", r); gsub("ms", "", u); gsub("ms", "", c);
		if (r > 0) printf "  rocker-runc vs runc: %.2fx faster; vs crun: %.2fx\n", u / r, c / r }' "$T/rt.out"
fi

# Joining a running container: `exec C true` against util-linux nsenter
# into every namespace of the same container's init (no cgroup move, no
# user, capabilities or seccomp to apply: the floor) and podman exec.
if want exec; then
	S="$T/execwork"
	mkdir -p "$S"
	sh "$TOP/tests/images/rootfs.sh" > "$S/rootfs.tar"
	RR="env ROCKER_ROOT=$S/rocker ROCKER_STATE=$S/rstate $R"
	$RR import "$S/rootfs.tar" bench/bb >/dev/null
	$RR run -d --network none --name bx bench/bb sleep 100000 >/dev/null
	on_exit "$RR rm -f bx"
	XP=$($RR inspect -f '{{.State.Pid}}' bx)
	PODMAN="podman --root $S/podroot --runroot $S/podrun \
		--cgroup-manager cgroupfs --events-backend file \
		--storage-driver overlay"
	on_exit "$PODMAN system reset -f; umount $S/podroot/overlay"
	PX=""
	if $PODMAN import -q "$S/rootfs.tar" bench/bb >/dev/null 2>&1 &&
	    $PODMAN --runtime runc run -d --network none --ulimit \
	    nofile=20000:20000 --ulimit nproc=32768:32768 --name px bench/bb \
	    sleep 100000 >/dev/null 2>&1; then
		PX=px
		on_exit "$PODMAN rm -f -t 0 px"
	fi
	# rocker's root and state come through benchrun's environment: an
	# `env` wrapper would add its own exec to rocker's row. podman exec
	# (150 ms, conmon, a Go runtime) is timed in a run of its own: in the
	# same rounds it ran just before rocker's row each time and slowed it
	# by some 10% (caches), while nsenter's row came after rocker's.
	ROCKER_ROOT=$S/rocker ROCKER_STATE=$S/rstate \
	"$B" -n "${BENCH_EXEC_RUNS:-40}" -w 3 \
	    -t "Exec into a running container: exec C true" \
		"rocker exec" "$R exec bx true" \
		"nsenter -t PID -a (util-linux)" "nsenter -t $XP -a true" \
		| tee "$T/exec.out"
	if [ -n "$PX" ]; then
		"$B" -n 10 -w 1 -t "podman exec, alone" \
			"podman exec" "$PODMAN exec px true" | tail -n 1 |
			tee -a "$T/exec.out"
	else
		echo "  podman exec skipped: podman could not run a container"
	fi
	awk '/rocker exec/ { r = $(NF-2) } /nsenter/ { n = $(NF-2) }
	     /podman exec/ { p = $(NF-2) }
	     END { gsub("ms", "", r); gsub("ms", "", n); gsub("ms", "", p);
		if (n > 0) printf "  rocker exec / nsenter: %.2f (target <= 1.5)", r / n;
		if (p > 0) printf "; podman exec / rocker exec: %.1fx", p / r;
		printf "\n" }' "$T/exec.out"
fi

# Published ports: iperf3 throughput host -> container through a published
# port (nf_tables DNAT, and the userland proxy) against the container's
# address directly, alternately in the same run. iperf3 runs inside the
# container from the host's /usr (read-only bind mounts).
if want ports; then
	if command -v iperf3 >/dev/null && [ -e /usr/lib64 ]; then
		S="$T/portwork"
		mkdir -p "$S"
		sh "$TOP/tests/images/rootfs.sh" > "$S/rootfs.tar"
		BR=rkb$$
		RR="env ROCKER_ROOT=$S/rocker ROCKER_STATE=$S/rstate ROCKER_BRIDGE=$BR ROCKER_BRIDGE_SUBNET=10.251.$(($$ % 256)).0/24 $R"
		$RR import "$S/rootfs.tar" bench/bb >/dev/null
		on_exit "ip link del $BR; nft delete chain ip rocker post-$BR; nft list table ip rocker | grep -q chain || nft delete table ip rocker"
		on_exit "$RR rm -f pnat pproxy"
		V="-v /usr:/usr:ro -v /usr/lib:/lib:ro -v /usr/lib64:/lib64:ro"
		PN=$((30000 + $$ % 10000))
		$RR run -d --name pnat -p $PN:5201 $V bench/bb \
		    /usr/bin/iperf3 -s -p 5201 >/dev/null
		env ROCKER_PORT_DRIVER=proxy $RR run -d --name pproxy \
		    -p 127.0.0.1:$((PN + 1)):5201 $V bench/bb \
		    /usr/bin/iperf3 -s -p 5201 >/dev/null
		CIP=$($RR inspect -f '{{.NetworkSettings.IPAddress}}' pnat)
		GW=$($RR inspect -f '{{.NetworkSettings.Gateway}}' pnat)
		sleep 1
		SECS=${BENCH_IPERF_SECS:-5}
		gbps() {
			iperf3 -c "$1" -p "$2" -t "$SECS" -f m 2>/dev/null |
			    awk '/receiver/ { print $(NF-2) / 1000 }'
		}
		echo
		echo "Published port throughput (iperf3 -t $SECS, host -> container, Gbit/s, median of ${BENCH_PORT_RUNS:-5})"
		: > "$S/res"
		i=0
		while [ $i -lt "${BENCH_PORT_RUNS:-5}" ]; do
			echo "direct $(gbps "$CIP" 5201)" >> "$S/res"
			echo "nat $(gbps 127.0.0.1 "$PN")" >> "$S/res"
			echo "natgw $(gbps "$GW" "$PN")" >> "$S/res"
			echo "proxy $(gbps 127.0.0.1 $((PN + 1)))" >> "$S/res"
			i=$((i + 1))
		done
		med() { awk -v k="$1" '$1 == k && $2 != "" { print $2 }' "$S/res" |
		    sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }
		d=$(med direct) n=$(med nat) g=$(med natgw) p=$(med proxy)
		printf '  %-52s %8.2f\n' "direct to the container address ($CIP)" "$d"
		printf '  %-52s %8.2f  %.2fx\n' "nf_tables DNAT, 127.0.0.1:PORT" "$n" \
		    "$(echo "$n $d" | awk '{ print ($2 > 0 ? $1 / $2 : 0) }')"
		printf '  %-52s %8.2f  %.2fx\n' "nf_tables DNAT, gateway $GW:PORT" "$g" \
		    "$(echo "$g $d" | awk '{ print ($2 > 0 ? $1 / $2 : 0) }')"
		printf '  %-52s %8.2f  %.2fx\n' "userland proxy (splice), 127.0.0.1:PORT" "$p" \
		    "$(echo "$p $d" | awk '{ print ($2 > 0 ? $1 / $2 : 0) }')"
		echo "  targets: NAT >= 0.9x direct, proxy >= 0.6x direct"
		$RR rm -f pnat pproxy >/dev/null
	else
		echo "  ports benchmark skipped: needs iperf3 (tests/deps.sh bench) and a merged /usr"
	fi
fi

echo
echo "Binary size"
printf '  %-34s %10s\n' "rocker (stripped, static)" "$(stat -c %s "$R") B"
for a in $("$R" --list); do printf '%s ' "$a"; done | \
	awk '{ printf "  applets: %s\n", $0 }'
