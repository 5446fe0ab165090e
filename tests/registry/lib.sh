# tests/registry/lib.sh - registry helpers for integration tests
#
# Source it after tests/lib.sh (it needs $T, $TOP and on_exit):
#   . "$(dirname "$0")/../lib.sh"
#   . "$TOP/tests/registry/lib.sh"
#   images_build || exit 1
#   registry_start token && images_push
#   ... $ROCKER pull $REG_HOST/busybox:latest ...
#
#   images_build [big]      build.sh into $IMG (default $TOP/build/test-images,
#                           or $ROCKER_TEST_IMAGES), cached across runs
#   registry_start MODE [NAME]
#                           registry.sh start MODE $T/reg-NAME (NAME defaults
#                           to MODE), sets the REG_* variables in this shell,
#                           stops it at exit; returns 1 (message on stderr)
#                           when it did not start
#   images_push             push.sh the images to the registry whose REG_*
#                           variables are set (IMAGES=... limits the set)
#   fake_start LAYOUT [fake.py options]
#                           registry.sh fake in $T/fake (then $T/fake2...),
#                           sets FAKE_*, stops it at exit
#   fake_log_last LISTENER PATTERN
#                           the last fake log line of LISTENER (main|cdn)
#                           whose text matches PATTERN (grep -e)
# $PYTHON is the python3 the helpers use (Debian's /usr/bin/python3 when
# present). Every server listens on 127.0.0.1 only. skopeo calls here use their own
# policy and an empty auth file; the host's credentials play no part.

REGISTRY_SH="$TOP/tests/registry/registry.sh"
# Debian's python3 (a dependency) first: a pyenv shim costs 0.3 s a call
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
IMG=${ROCKER_TEST_IMAGES:-$TOP/build/test-images}
_fake_n=0

images_build() {
	sh "$TOP/tests/images/build.sh" "$IMG" "$@" >&2
}

registry_start() {
	_rd="$T/reg-${2:-$1}"
	on_exit "sh '$REGISTRY_SH' stop '$_rd'"
	_ro=$(sh "$REGISTRY_SH" start "$1" "$_rd") || return 1
	eval "$_ro"
}

images_push() {
	# shellcheck disable=SC2086
	sh "$TOP/tests/images/push.sh" "$IMG" "$REG_HOST" "$REG_CA" \
		$REG_USER $REG_PASS
}

fake_start() {
	_fake_n=$((_fake_n + 1))
	_fd="$T/fake"
	[ "$_fake_n" = 1 ] || _fd="$T/fake$_fake_n"
	on_exit "sh '$REGISTRY_SH' stop '$_fd'"
	_fo=$(sh "$REGISTRY_SH" fake "$_fd" "$@") || return 1
	eval "$_fo"
}

fake_log_last() {
	grep -F "\"listener\":\"$1\"" "$FAKE_LOG" | grep -e "$2" | tail -n 1
}
