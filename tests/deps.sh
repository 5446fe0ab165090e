#!/bin/sh
# deps.sh - install the Debian packages a make target needs, if missing
#
# usage: tests/deps.sh build|check|bench|fuzz
#
# Runs apt-get only when something is missing, and only as root. Package
# installs must not start services (docker-registry, nginx, sshd would
# listen on every address): a policy-rc.d that refuses is in place while
# apt-get runs.
set -eu

build="make gcc musl-tools xz-utils bzip2 file binutils"
case "${1:-check}" in
build) want=$build ;;
check) want="$build time openssh-client openssh-server clang libclang-rt-14-dev
	docker-registry skopeo busybox-static openssl apache2-utils python3 curl
	podman iproute2 nftables containerd runc crun qemu-system-x86
	qemu-user-static gcc-aarch64-linux-gnu valgrind" ;;
bench) want="$build time openssl coreutils docker-registry skopeo umoci
	podman busybox-static python3 curl runc crun util-linux iperf3" ;;
fuzz) want="$build clang libclang-rt-14-dev" ;;
*) echo "deps.sh: unknown set $1" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	echo "deps.sh: missing packages:$missing (install them as root)" >&2
	exit 1
fi
echo "deps.sh: installing$missing"
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	own_policy=1
fi
cleanup() { if [ "$own_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
