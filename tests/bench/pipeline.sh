#!/bin/bash
# pipeline.sh - the shell baseline for `rocker pull`: per layer,
#   curl | tee >(sha256sum) | gzip -dc | tee >(sha256sum) | tar -x
# (no verification of the sums, no store, no parallelism).
# usage: pipeline.sh REGISTRY_HOST REPO:TAG DEST
set -eu
host=$1 ref=$2 dest=$3
repo=${ref%%:*} tag=${ref#*:}
accept='application/vnd.oci.image.manifest.v1+json'
mkdir -p "$dest"
curl -sf -H "Accept: $accept" "http://$host/v2/$repo/manifests/$tag" |
	python3 -c 'import json,sys
for l in json.load(sys.stdin)["layers"]: print(l["digest"])' |
while read -r d; do
	curl -sf "http://$host/v2/$repo/blobs/$d" |
		tee >(sha256sum >/dev/null) | gzip -dc |
		tee >(sha256sum >/dev/null) | tar -x -C "$dest"
done
