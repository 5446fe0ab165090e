#!/bin/sh
# push.sh - push the images build.sh made to a registry with skopeo
#
# usage: tests/images/push.sh DIR REG_HOST [CA [USER PASS]]
#
#   DIR       what build.sh DIR wrote
#   REG_HOST  127.0.0.1:PORT
#   CA        the registry's CA file (REG_CA); empty or absent: plain HTTP
#   USER PASS credentials (REG_USER REG_PASS) for basic and token modes
#
# Pushes, digests preserved byte for byte (--preserve-digests):
#   busybox:latest          OCI manifest, 1 layer
#   busybox:v2s2            the same image as Docker schema2
#   layered:latest          OCI manifest, 4 layers (whiteouts etc.)
#   multi:latest            OCI index (--all): amd64, arm64/v8, attestation
#   private/busybox:latest  busybox again (anonymous pull refused in token
#                           mode: tokenserver.py grants nothing on private/*)
#   big:latest              only if build.sh DIR big was run
# IMAGES="busybox multi" limits the set (names as above, before the ':').
# Uses its own skopeo policy and an empty auth file, so the host's
# ~/.docker/config.json and /etc/containers/policy.json play no part.
set -eu
dir=${1:?usage: push.sh DIR REG_HOST [CA [USER PASS]]}
host=${2:?usage: push.sh DIR REG_HOST [CA [USER PASS]]}
ca=${3:-}
user=${4:-} pass=${5:-}

work=$(mktemp -d "${TMPDIR:-/tmp}/rocker-push.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' > "$work/policy.json"
printf '{}\n' > "$work/auth.json"
export REGISTRY_AUTH_FILE="$work/auth.json"

set -- --policy "$work/policy.json" copy -q --preserve-digests
if [ -n "$ca" ]; then
	mkdir "$work/certs"
	cp "$ca" "$work/certs/ca.crt"
	set -- "$@" --dest-cert-dir "$work/certs"
else
	set -- "$@" --dest-tls-verify=false
fi
[ -n "$user" ] && set -- "$@" --dest-creds "$user:$pass"

want=${IMAGES:-"busybox busybox-v2s2 layered multi private/busybox big"}
has() { case " $want " in *" $1 "*) return 0 ;; esac; return 1; }

has busybox && skopeo "$@" "oci:$dir/oci/busybox:latest" \
	"docker://$host/busybox:latest"
has busybox-v2s2 && skopeo "$@" "dir:$dir/dir/busybox-v2s2" \
	"docker://$host/busybox:v2s2"
has layered && skopeo "$@" "oci:$dir/oci/layered:latest" \
	"docker://$host/layered:latest"
has multi && skopeo "$@" --all "oci:$dir/oci/multi:latest" \
	"docker://$host/multi:latest"
has private/busybox && skopeo "$@" "oci:$dir/oci/busybox:latest" \
	"docker://$host/private/busybox:latest"
if has big && [ -e "$dir/.built-big" ]; then
	skopeo "$@" "oci:$dir/oci/big:latest" "docker://$host/big:latest"
fi
exit 0
