#!/usr/bin/env python3
"""tokenserver.py - a Docker-registry token server for tests (stdlib only)

usage: tokenserver.py --port-file F --sign-key K --sign-cert C
                      [--tls CERT KEY] [--users FILE] [--log FILE]
                      [--service S] [--issuer I] [--ttl SECONDS]
                      [--fields both|token|access_token]

Listens on 127.0.0.1, a free port written to F once listening. GET /token
(the distribution token spec: ?service=S&scope=...&scope=...) answers
{"token", "access_token", "expires_in", "issued_at"} (--fields picks which
token keys appear) with a JWT (RS256, or ES256 for an EC key) the registry's auth.token config
accepts: header x5c = [the signing certificate], which is the registry's
rootcertbundle; claims iss/aud/sub/exp/nbf/iat/jti/access. Signing runs
`openssl dgst -sha256 -sign`, so no third-party Python module is needed.

Policy, like Docker Hub's for public images:
  - no Authorization: anonymous; "pull" is granted on every repository
    except those under private/; nothing else (no push, no catalog)
  - Basic user:pass matching a line of --users FILE (user:pass, plain):
    every action asked for on every repository, and registry:catalog:*
  - Basic with a wrong password: 401, like auth.docker.io
Actions not granted are simply left out of the token (the registry then
answers 401/403 itself). POST /token (OAuth2) answers 404, which tells
clients to fall back to GET. Each request is logged as one JSON line.
"""
import argparse
import base64
import json
import os
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ARGS = None
USERS = {}
ALG = ["RS256"]                 # ES256 when the signing key is EC
CERT_B64 = [""]                 # the signing certificate, base64 DER
LOG_LOCK = threading.Lock()
SEQ = [0]


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def der_ecdsa_to_raw(der, n=32):
    """ECDSA-Sig-Value (DER SEQUENCE of two INTEGERs) -> JWS r || s."""
    def read_len(b, i):
        ln = b[i]
        if ln < 0x80:
            return ln, i + 1
        k = ln & 0x7f
        return int.from_bytes(b[i + 1:i + 1 + k], "big"), i + 1 + k
    assert der[0] == 0x30
    _, i = read_len(der, 1)
    out = b""
    for _ in range(2):
        assert der[i] == 0x02
        ln, i = read_len(der, i + 1)
        out += int.from_bytes(der[i:i + ln], "big").to_bytes(n, "big")
        i += ln
    return out


def sign_jwt(claims):
    header = {"typ": "JWT", "alg": ALG[0], "x5c": [CERT_B64[0]]}
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(claims).encode()))
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign",
                          ARGS.sign_key], input=signing_input.encode(),
                         capture_output=True, check=True).stdout
    if ALG[0] == "ES256":
        sig = der_ecdsa_to_raw(sig)
    return signing_input + "." + b64url(sig)


def parse_scope(s):
    """'repository:name:pull,push' -> (type, name, [actions]) or None.
    The name may itself hold ':' only in theory; split at first and last."""
    first, last = s.find(":"), s.rfind(":")
    if first < 0 or first == last:
        return None
    typ = s[:first]
    if "(" in typ:                      # repository(plugin):name:pull
        typ = typ[:typ.index("(")]
    return typ, s[first + 1:last], [a for a in s[last + 1:].split(",") if a]


def grant(user, typ, name, actions):
    if user is not None:
        return actions
    if typ == "repository" and not name.startswith("private/"):
        return [a for a in actions if a == "pull"]
    return []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "rocker-test-tokenserver/1"

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            try:
                self.request.do_handshake()
            except (OSError, ssl.SSLError):
                self.close_connection = True
                raise

    def record(self, status, note=None):
        with LOG_LOCK:
            SEQ[0] += 1
            rec = {"n": SEQ[0], "t": round(time.time(), 3),
                   "method": self.command, "target": self.path,
                   "headers": [[k, v] for k, v in self.headers.items()],
                   "status": status}
            if note is not None:
                rec["note"] = note
            if ARGS.log:
                with open(ARGS.log, "a") as f:
                    f.write(json.dumps(rec, separators=(",", ":")) + "\n")

    def reply(self, status, body, extra=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(min(n, 1 << 20))
        self.record(404, "POST /token not supported: use GET")
        self.reply(404, {"errors": [{"code": "UNSUPPORTED",
                                     "message": "use GET"}]})

    def do_GET(self):
        u = urlsplit(self.path)
        if u.path != "/token":
            self.record(404)
            self.reply(404, {"errors": [{"code": "NOT_FOUND"}]})
            return
        q = parse_qs(u.query)
        user = None
        auth = self.headers.get("Authorization", "")
        if auth[:6].lower() == "basic ":
            try:
                u_p = base64.b64decode(auth[6:].strip()).decode()
                name, _, pw = u_p.partition(":")
            except (ValueError, UnicodeDecodeError):
                name, pw = "", None
            if USERS.get(name) != pw or not name:
                self.record(401, "bad credentials")
                self.reply(401, {"details": "incorrect username or password"},
                           [("WWW-Authenticate",
                             'Basic realm="rocker-test-token"')])
                return
            user = name
        service = (q.get("service") or [ARGS.service])[0]
        if service != ARGS.service:
            self.record(400, "unknown service " + service)
            self.reply(400, {"details": "unknown service"})
            return
        access = []
        for s in q.get("scope", []):
            for one in s.split(" "):
                p = parse_scope(one)
                if not p:
                    continue
                typ, name, actions = p
                if "*" in actions and user is None:
                    actions = ["pull"]
                got = grant(user, typ, name, actions)
                if got:
                    access.append({"type": typ, "name": name,
                                   "actions": got})
        now = int(time.time())
        claims = {"iss": ARGS.issuer, "sub": user or "", "aud": service,
                  "exp": now + ARGS.ttl, "nbf": now - 1, "iat": now,
                  "jti": b64url(os.urandom(12)), "access": access}
        tok = sign_jwt(claims)
        body = {"expires_in": ARGS.ttl,
                "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                           time.gmtime(now))}
        if ARGS.fields in ("both", "token"):
            body["token"] = tok
        if ARGS.fields in ("both", "access_token"):
            body["access_token"] = tok
        self.record(200, {"user": user, "access": access})
        self.reply(200, body)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--sign-key", required=True)
    p.add_argument("--sign-cert", required=True)
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--users")
    p.add_argument("--log")
    p.add_argument("--service", default="rocker-test-registry")
    p.add_argument("--issuer", default="rocker-test-issuer")
    p.add_argument("--ttl", type=int, default=300)
    p.add_argument("--fields", default="both",
                   choices=["both", "token", "access_token"])
    ARGS = p.parse_args()
    with open(ARGS.sign_cert) as f:
        CERT_B64[0] = "".join(l for l in f.read().splitlines()
                              if l and not l.startswith("-----"))
    text = subprocess.run(["openssl", "x509", "-in", ARGS.sign_cert,
                           "-noout", "-text"], capture_output=True,
                          check=True, text=True).stdout
    if "id-ecPublicKey" in text:
        ALG[0] = "ES256"
    if ARGS.users:
        with open(ARGS.users) as f:
            for line in f:
                name, sep, pw = line.rstrip("\n").partition(":")
                if sep:
                    USERS[name] = pw
    srv = Server(("127.0.0.1", 0), Handler)
    if ARGS.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls[0], ARGS.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, ARGS.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
