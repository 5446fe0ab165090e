#!/bin/sh
# fetch.sh - obtain the pinned source archives listed in vendor/versions
#
# usage: vendor/fetch.sh DESTDIR
#
# With VENDOR_SRC=DIR the archives are copied from DIR (hosts without apt).
# Otherwise `apt-get source --download-only` fetches Debian's source packages
# through a temporary deb-src list derived from this machine's own apt
# sources (nothing about the host is written into the repository). Every
# archive is checked against the sha256 pinned in vendor/versions; an archive
# already present and correct is not fetched again.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dest=$1
mkdir -p "$dest"

# sha256 FILE -> hex digest
sha256() { sha256sum "$1" | cut -d' ' -f1; }

# deb822 and one-line apt sources -> one-line deb-src entries on stdout
debsrc_lines() {
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n 's/^[[:space:]]*deb[[:space:]]\{1,\}/deb-src /p' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
		function flush(  n, i, s) {
			if (deb && uri != "") {
				n = split(suites, s, " ")
				for (i = 1; i <= n; i++)
					print "deb-src " uri " " s[i] " " comps
			}
			deb = 0; uri = ""; suites = ""; comps = ""
		}
		/^[Tt]ypes:/ { deb = ($0 ~ /[[:space:]]deb([[:space:]]|$)/) }
		/^URIs:/ { uri = $2 }
		/^Suites:/ { sub(/^Suites:[[:space:]]*/, ""); suites = $0 }
		/^Components:/ { sub(/^Components:[[:space:]]*/, ""); comps = $0 }
		/^[[:space:]]*$/ { flush() }
		END { flush() }' "$f"
	done
}

missing=""
while read -r name ver orig sum; do
	case "$name" in ''|'#'*) continue ;; esac
	if [ -f "$dest/$orig" ] && [ "$(sha256 "$dest/$orig")" = "$sum" ]; then
		continue
	fi
	rm -f "$dest/$orig"
	if [ -n "${VENDOR_SRC:-}" ]; then
		[ -f "$VENDOR_SRC/$orig" ] || {
			echo "vendor: $orig not found in VENDOR_SRC=$VENDOR_SRC" >&2
			exit 1
		}
		cp "$VENDOR_SRC/$orig" "$dest/$orig"
	else
		missing="$missing $name=$ver"
	fi
done < "$here/versions"

if [ -n "$missing" ]; then
	command -v apt-get >/dev/null || {
		echo "vendor: no apt-get; set VENDOR_SRC=DIR holding the archives" \
		     "listed in vendor/versions" >&2
		exit 1
	}
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	debsrc_lines | sort -u > "$tmp/sources.list"
	[ -s "$tmp/sources.list" ] || {
		echo "vendor: no Debian apt sources found to derive deb-src from" >&2
		exit 1
	}
	mkdir -p "$tmp/lists/partial" "$tmp/dl"
	aptopt="-o Dir::Etc::SourceList=$tmp/sources.list
		-o Dir::Etc::SourceParts=$tmp/none
		-o Dir::State::Lists=$tmp/lists
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root"
	# shellcheck disable=SC2086
	apt-get -q $aptopt update >"$tmp/log" 2>&1 || {
		cat "$tmp/log" >&2; echo "vendor: apt-get update failed" >&2; exit 1; }
	# shellcheck disable=SC2086
	(cd "$tmp/dl" && apt-get -q $aptopt source --download-only $missing) \
		>"$tmp/log" 2>&1 || {
		cat "$tmp/log" >&2; echo "vendor: apt-get source failed" >&2; exit 1; }
	while read -r name ver orig sum; do
		case "$name" in ''|'#'*) continue ;; esac
		[ -f "$tmp/dl/$orig" ] && cp "$tmp/dl/$orig" "$dest/$orig"
	done < "$here/versions"
fi

status=0
while read -r name ver orig sum; do
	case "$name" in ''|'#'*) continue ;; esac
	if [ ! -f "$dest/$orig" ]; then
		echo "vendor: $orig was not obtained" >&2; status=1
	elif [ "$(sha256 "$dest/$orig")" != "$sum" ]; then
		echo "vendor: $orig: sha256 mismatch (want $sum)" >&2
		rm -f "$dest/$orig"; status=1
	fi
done < "$here/versions"
exit $status
