#!/bin/sh
# registry.sh - real and fake registries on 127.0.0.1 for tests
#
# usage: tests/registry/registry.sh start MODE DIR
#        tests/registry/registry.sh fake DIR LAYOUT [fake.py options]
#        tests/registry/registry.sh stop DIR
#
# start  runs Debian's docker-registry (/usr/bin/docker-registry serve) on
#        a free port of 127.0.0.1 with storage and everything else in DIR.
#        MODE: http   plain HTTP
#              tls    HTTPS, server certificate from a throwaway test CA
#              basic  HTTPS + htpasswd (bcrypt) Basic auth
#              token  HTTPS + bearer tokens from tokenserver.py (HTTPS too;
#                     anonymous pull except private/*, Basic for the rest)
#        Waits until /v2/ answers, then prints shell assignments (eval them)
#        and writes the same to DIR/env:
#          REG_MODE REG_HOST=127.0.0.1:PORT REG_URL REG_DIR REG_LOG REG_PID
#          REG_CA (CA file; empty for http) REG_CERT_DIR (a dir holding only
#          ca.crt, for skopeo --cert-dir) REG_CERTS_D (a Docker-style
#          certs.d root: REG_CERTS_D/127.0.0.1:PORT/ca.crt)
#          REG_USER REG_PASS (basic, token), REG_TOKEN_URL REG_TOKEN_PID
#          REG_TOKEN_LOG REG_SERVICE (token), REG_PIDS (every PID started)
#        Token mode reads REG_TOKEN_TTL (seconds, default 300) and
#        REG_TOKEN_FIELDS (both|token|access_token, default both).
# fake   runs fake.py serving the OCI layout LAYOUT (see fake.py) and
#        prints FAKE_HOST FAKE_HOST2 (the redirect target) FAKE_URL FAKE_LOG
#        FAKE_PID (also appended to DIR/env); options after LAYOUT go to
#        fake.py (e.g. --tls DIR/server.crt DIR/server.key, --stall 5).
# stop   kills exactly the processes start/fake recorded in DIR/pids (and
#        only while /proc/PID/cmdline still names DIR), waits for them to
#        exit. It deletes nothing; the caller removes DIR.
#
# Typical use in a test (tests/lib.sh; tests/registry/lib.sh wraps it):
#   on_exit "sh '$TOP/tests/registry/registry.sh' stop '$T/reg'"
#   env=$(sh "$TOP/tests/registry/registry.sh" start token "$T/reg") || exit 1
#   eval "$env"
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# Debian's python3 (a dependency) first: a pyenv shim costs 0.3 s a call
PY=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}

die() { echo "registry.sh: $*" >&2; exit 1; }

usage() {
	sed -n '3,5p' "$0" | sed 's/^# *//' >&2
	exit 2
}

free_port() {
	"$PY" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# dead PID: no such process, or a zombie whose threads have all exited
# (its sockets are closed by then). kill -0 says yes to zombies, and
# /proc/PID/cmdline is empty while a process is still exiting.
dead() {
	[ -r "/proc/$1/status" ] || return 0
	grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null &&
		grep -q '^Threads:[[:space:]]*1$' "/proc/$1/status" 2>/dev/null
}
running() { ! dead "$1"; }

# wait_file FILE PID: until FILE exists or PID has exited (10 s at most)
wait_file() {
	i=0
	while [ ! -s "$1" ]; do
		running "$2" || return 1
		i=$((i + 1)); [ $i -gt 500 ] && return 1
		sleep 0.02
	done
}

pid_alive_in_dir() {
	[ -r "/proc/$1/cmdline" ] &&
		tr '\0' '\n' < "/proc/$1/cmdline" | grep -qF "$dir"
}

# --- certificates -----------------------------------------------------------

# REG_KEY=ec (default: P-256, generated in milliseconds) or rsa (2048 bit,
# about half a second per key here) picks the key type of the CA, the
# server certificate and the token signer (ES256 or RS256 tokens).
mkcerts() {
	[ -s "$dir/server.crt" ] && [ -s "$dir/signer.crt" ] && return 0
	case ${REG_KEY:-ec} in
	ec) newkey="-newkey ec -pkeyopt ec_paramgen_curve:P-256" ;;
	rsa) newkey="-newkey rsa:2048" ;;
	*) die "REG_KEY must be ec or rsa" ;;
	esac
	(
	cd "$dir"
	# shellcheck disable=SC2086
	openssl req -x509 $newkey -nodes -sha256 -days 7 \
		-subj "/CN=rocker test CA" -keyout ca.key -out ca.crt \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign
	# shellcheck disable=SC2086
	openssl req $newkey -nodes -sha256 -subj "/CN=127.0.0.1" \
		-keyout server.key -out server.csr
	cat > server.ext <<-EOF
	basicConstraints=CA:FALSE
	keyUsage=critical,digitalSignature,keyEncipherment
	extendedKeyUsage=serverAuth
	subjectAltName=IP:127.0.0.1,DNS:localhost
	EOF
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
		-CAcreateserial -sha256 -days 7 -extfile server.ext \
		-out server.crt
	# the token signer: self-signed, it is the registry's rootcertbundle
	# shellcheck disable=SC2086
	openssl req -x509 $newkey -nodes -sha256 -days 7 \
		-subj "/CN=rocker test token signer" \
		-keyout signer.key -out signer.crt
	mkdir -p certdir
	cp ca.crt certdir/ca.crt
	) >"$dir/openssl.log" 2>&1 || die "openssl failed: $(cat "$dir/openssl.log")"
}

# --- the real registry ---------------------------------------------------------

write_config() {
	secret=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
	{
	cat <<-EOF
	version: 0.1
	log:
	  level: info
	  formatter: text
	storage:
	  filesystem:
	    rootdirectory: $dir/data
	  delete:
	    enabled: true
	  maintenance:
	    uploadpurging:
	      enabled: false
	health:
	  storagedriver:
	    enabled: false
	http:
	  addr: 127.0.0.1:$1
	  secret: $secret
	  headers:
	    X-Content-Type-Options: [nosniff]
	EOF
	[ "$mode" = http ] || cat <<-EOF
	  tls:
	    certificate: $dir/server.crt
	    key: $dir/server.key
	EOF
	case $mode in
	basic) cat <<-EOF
		auth:
		  htpasswd:
		    realm: rocker-test
		    path: $dir/htpasswd
		EOF
		;;
	token) cat <<-EOF
		auth:
		  token:
		    realm: $token_url
		    service: rocker-test-registry
		    issuer: rocker-test-issuer
		    rootcertbundle: $dir/signer.crt
		EOF
		;;
	esac
	} > "$dir/config.yml"
}

start_token_server() {
	rm -f "$dir/token.port"
	"$PY" "$here/tokenserver.py" --port-file "$dir/token.port" \
		--sign-key "$dir/signer.key" --sign-cert "$dir/signer.crt" \
		--tls "$dir/server.crt" "$dir/server.key" \
		--users "$dir/users" --log "$dir/token.log" \
		--ttl "${REG_TOKEN_TTL:-300}" --fields "${REG_TOKEN_FIELDS:-both}" \
		</dev/null >>"$dir/tokenserver.out" 2>&1 &
	token_pid=$!
	echo "tokenserver $token_pid" >> "$dir/pids"
	wait_file "$dir/token.port" "$token_pid" ||
		die "token server did not start: $(tail -5 "$dir/tokenserver.out")"
	token_url="https://127.0.0.1:$(cat "$dir/token.port")/token"
}

# probe URL: print the HTTP status of GET URL/v2/ ("000" when no answer)
probe() {
	if [ "$mode" = http ]; then
		curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1/v2/" || true
	else
		curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
			--cacert "$dir/ca.crt" "$1/v2/" || true
	fi
}

start_registry() {
	scheme=https
	[ "$mode" = http ] && scheme=http
	want=200
	case $mode in basic|token) want=401 ;; esac
	tries=0
	while :; do
		tries=$((tries + 1))
		port=$(free_port)
		write_config "$port"
		# docker-registry takes REGISTRY_* variables as configuration
		# (skopeo's REGISTRY_AUTH_FILE would break it): a clean env
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			/usr/bin/docker-registry serve "$dir/config.yml" \
			</dev/null >"$dir/registry.log" 2>&1 &
		reg_pid=$!
		url="$scheme://127.0.0.1:$port"
		i=0
		while running "$reg_pid"; do
			# ours once it has logged the bind (a racing process
			# could hold the port) and /v2/ answers
			if grep -qs "listening on 127.0.0.1:$port" \
				"$dir/registry.log"; then
				code=$(probe "$url")
				[ "$code" = "$want" ] && break
			fi
			i=$((i + 1))
			if [ $i -gt 200 ]; then
				kill "$reg_pid" 2>/dev/null || true
				die "registry on $url answered /v2/ with $code, not $want"
			fi
			sleep 0.05
		done
		if running "$reg_pid"; then
			echo "registry $reg_pid" >> "$dir/pids"
			return 0
		fi
		wait "$reg_pid" 2>/dev/null || true
		# most likely someone took the port between free_port and serve
		[ $tries -ge 5 ] &&
			die "docker-registry exited: $(tail -3 "$dir/registry.log")"
	done
}

q() { printf "%s='%s'\n" "$1" "$(printf '%s' "$2" | sed "s/'/'\\\\''/g")"; }

cmd_start() {
	case $mode in http|tls|basic|token) ;; *) usage ;; esac
	[ -x /usr/bin/docker-registry ] ||
		die "/usr/bin/docker-registry missing (sh tests/deps.sh check)"
	mkdir -p "$dir/data"
	dir=$(cd "$dir" && pwd)
	[ -s "$dir/pids" ] && die "$dir already has running servers (stop first)"
	: > "$dir/pids"
	trap cmd_stop EXIT	# a failed start leaves nothing running
	user="" pass=""
	[ "$mode" = http ] || mkcerts
	case $mode in
	basic|token)
		user=rocker
		pass=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
		printf '%s:%s\n' "$user" "$pass" > "$dir/users"
		htpasswd -Bbn "$user" "$pass" > "$dir/htpasswd" ||
			die "htpasswd -B failed (apache2-utils)"
		;;
	esac
	token_url="" token_pid=""
	[ "$mode" = token ] && start_token_server
	start_registry
	cert_dir="" certs_d="" ca=""
	if [ "$mode" != http ]; then
		ca="$dir/ca.crt"
		cert_dir="$dir/certdir"
		certs_d="$dir/certs.d"
		mkdir -p "$certs_d/127.0.0.1:$port"
		cp "$dir/ca.crt" "$certs_d/127.0.0.1:$port/ca.crt"
	fi
	{
	q REG_MODE "$mode"
	q REG_HOST "127.0.0.1:$port"
	q REG_URL "$url"
	q REG_DIR "$dir"
	q REG_LOG "$dir/registry.log"
	q REG_PID "$reg_pid"
	q REG_CA "$ca"
	q REG_CERT_DIR "$cert_dir"
	q REG_CERTS_D "$certs_d"
	q REG_USER "$user"
	q REG_PASS "$pass"
	q REG_TOKEN_URL "$token_url"
	q REG_TOKEN_PID "$token_pid"
	q REG_TOKEN_LOG "$([ -n "$token_url" ] && echo "$dir/token.log")"
	q REG_SERVICE "$([ -n "$token_url" ] && echo rocker-test-registry)"
	q REG_PIDS "$reg_pid${token_pid:+ $token_pid}"
	} > "$dir/env"
	trap - EXIT
	cat "$dir/env"
}

cmd_fake() {
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[ -d "$layout" ] || die "$layout: not a directory"
	rm -f "$dir/fake.port"
	"$PY" "$here/fake.py" --log "$dir/fake.log" "$@" "$dir/fake.port" \
		"$layout" </dev/null >>"$dir/fake.out" 2>&1 &
	fake_pid=$!
	echo "fake $fake_pid" >> "$dir/pids"
	wait_file "$dir/fake.port" "$fake_pid" ||
		die "fake.py did not start: $(tail -5 "$dir/fake.out")"
	p1=$(sed -n 1p "$dir/fake.port")
	p2=$(sed -n 2p "$dir/fake.port")
	scheme=http
	case " $* " in *" --tls "*) scheme=https ;; esac
	{
	q FAKE_HOST "127.0.0.1:$p1"
	q FAKE_HOST2 "127.0.0.1:$p2"
	q FAKE_URL "$scheme://127.0.0.1:$p1"
	q FAKE_LOG "$dir/fake.log"
	q FAKE_PID "$fake_pid"
	} > "$dir/fake.env"
	tee -a "$dir/env" < "$dir/fake.env"
}

cmd_stop() {
	[ -d "$dir" ] || return 0
	dir=$(cd "$dir" && pwd)
	[ -f "$dir/pids" ] || return 0
	pids=""
	while read -r _name pid; do
		pid_alive_in_dir "$pid" && pids="$pids $pid"
	done < "$dir/pids"
	for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
	# up to 5 s for SIGTERM, then SIGKILL and up to 2 s more
	for pid in $pids; do
		i=0
		while ! dead "$pid"; do
			i=$((i + 1))
			[ $i = 100 ] && kill -KILL "$pid" 2>/dev/null
			[ $i -gt 140 ] && break
			sleep 0.05
		done
	done
	: > "$dir/pids"
}

[ $# -ge 2 ] || usage
cmd=$1 && shift
case $cmd in
start) [ $# -eq 2 ] || usage; mode=$1 dir=$2; cmd_start ;;
fake) [ $# -ge 2 ] || usage; dir=$1 layout=$2; shift 2; cmd_fake "$@" ;;
stop) [ $# -eq 1 ] || usage; dir=$1; cmd_stop ;;
*) usage ;;
esac
