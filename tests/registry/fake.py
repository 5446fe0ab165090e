#!/usr/bin/env python3
"""fake.py - a scripted fake registry on 127.0.0.1 (stdlib only)

usage: fake.py [--log FILE] [--tls CERT KEY] [--stall SECONDS]
               PORT_FILE SCENARIO_DIR

SCENARIO_DIR is an OCI image layout (index.json + blobs/sha256/), e.g.
one written by tests/images/build.sh. Its image is served under every
repository name: tag "latest" (and any org.opencontainers.image.ref.name)
is the first descriptor of index.json; manifests by digest and blobs come
from blobs/sha256/. What goes wrong is chosen by the first component of
the repository name (the rest is free: /v2/drop/x/manifests/latest is the
"drop" scenario too); any other name is served correctly.

Two listeners on 127.0.0.1, both plain HTTP or both TLS (--tls): "main"
(the registry) and "cdn" (the redirect target). PORT_FILE gets the main
port on line 1 and the cdn port on line 2, written once both listen.

Scenarios ("per path": counted separately for each URL path; counters
live until the process ends or GET /_fake/reset):
  ok           everything served correctly (any unlisted name behaves so)
  redir        main requires Bearer auth (401 + WWW-Authenticate pointing at
               /token on main, any issued token is valid); blob GET/HEAD
               answer 307 to cdn /cdn/NAME/DIGEST?X-Amz-...; cdn answers
               400 (S3's "Only one auth mechanism allowed") to any request
               carrying Authorization, else serves the blob (Range honoured)
  redirchain   as redir, but main -> cdn /hop/... -> 307 with a relative
               Location -> cdn /cdn/... (a chain A -> B -> B)
  reauth       Bearer auth as redir, no redirects, but a token "expires"
               after 2 requests: the third gets 401 with
               error="invalid_token"; a new token works again
  chunked      manifest and blob GETs use Transfer-Encoding: chunked, with
               chunk sizes 1, 7, 100, 4096, then 8192, chunk extensions
               (;ext=1  ;name="q;v"  ;bare) and a trailer (X-Fake-Trailer)
  drop         the first Range-less GET of each blob sends its headers
               (full Content-Length) and half the body, then closes the
               connection; Range: bytes=N- or N-M then gets a correct 206
  norange      as drop, then every GET gets 200 with the whole body,
               whatever Range says (no Accept-Ranges header)
  badrange     as drop, then a Range GET gets 206 with the whole body and
               Content-Range: bytes 0-(size-1)/size (wrong start)
  ratelimit    first request per path: 429, Retry-After: 1, Docker Hub's
               TOOMANYREQUESTS body and ratelimit-* headers; then served
  toomany      every manifest/blob request: 429, Retry-After: 1
  5xx          first two requests per path: 503; then served
  corrupt      layer blobs (not configs, not manifests) are served with
               their last byte XOR 1: right size, wrong digest
  schema1      manifests answer a signed schema1 manifest,
               application/vnd.docker.distribution.manifest.v1+prettyjws
  noaccept     schema1 as above when Accept names no schema2/OCI type,
               the real manifest otherwise
  huge         manifest GET: a valid OCI manifest padded to 5 MiB + 1
               (Content-Length says so); HEAD gives that length too
  hugechunked  the same 5 MiB + 1 body, chunked, no Content-Length
  slow         manifest/blob GET: headers (with Content-Length) then
               nothing for --stall seconds (default 30), then close;
               HEAD: nothing at all for --stall seconds
  stall        manifest/blob: the request is read, nothing is ever sent;
               closed after --stall seconds
  wrongsize    manifest: the first layer's descriptor says one byte more
               than the blob has (the manifest's digest follows its new
               content)
  giantsize    manifest: the first layer's descriptor says 2^62 bytes
  mtconfusion  manifest: the first layer's mediaType says it is an image
               manifest
  baddigest    manifest: Docker-Content-Digest names other content
  linklocal    every manifest/blob request: 401 with a Bearer challenge
               whose realm is http://169.254.169.254/token (link-local)
  downgrade    blob GET/HEAD: 307 to http:// on the cdn listener, even
               when serving TLS (an HTTPS to HTTP redirect)
Other endpoints: GET /v2/ -> 200 {} (no auth, whatever the scenario);
GET /token (main) -> {"token","access_token","expires_in":300,...};
/v2/NAME/tags/list; GET /_fake/reset clears counters and tokens.

Log (--log FILE, default: PORT_FILE's directory/fake.log): one JSON line
per request, written when its status is decided, compact separators:
  {"n":1,"t":...,"listener":"main","method":"GET","target":"/v2/...",
   "headers":[["Host","127.0.0.1:1234"],...],"status":307,"note":"..."}
so a test can grep '"listener":"cdn"' and then '"Authorization"'.
"""
import argparse
import hashlib
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_LIST_V2 = "application/vnd.docker.distribution.manifest.list.v2+json"
MT_V2 = "application/vnd.docker.distribution.manifest.v2+json"
MT_V1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
MANIFEST_TYPES = (MT_INDEX, MT_MANIFEST, MT_LIST_V2, MT_V2)
HUGE = 5 * 1024 * 1024 + 1

ARGS = None
STOP = threading.Event()


# ---- the image ----------------------------------------------------------------

class Image:
    def __init__(self, root):
        self.root = root
        self.blobdir = os.path.join(root, "blobs", "sha256")
        with open(os.path.join(root, "index.json"), "rb") as f:
            idx = json.load(f)
        if not idx.get("manifests"):
            raise SystemExit("fake.py: %s/index.json has no manifests" % root)
        self.tags = {}
        for d in idx["manifests"]:
            ref = d.get("annotations", {}).get(
                "org.opencontainers.image.ref.name")
            if ref:
                self.tags.setdefault(ref, d)
        self.tags.setdefault("latest", idx["manifests"][0])
        self.manifests = {}             # digest -> (bytes, media type)
        self.layers = set()             # layer digests
        self.first_image = None         # an image manifest (dict)
        todo = [d for d in self.tags.values()]
        while todo:
            d = todo.pop()
            dg = d["digest"]
            if dg in self.manifests:
                continue
            body = self.blob(dg)
            doc = json.loads(body)
            mt = doc.get("mediaType") or d.get("mediaType")
            self.manifests[dg] = (body, mt)
            if "manifests" in doc:
                todo.extend(doc["manifests"])
            else:
                if self.first_image is None:
                    self.first_image = doc
                for l in doc.get("layers", []):
                    self.layers.add(l["digest"])

    def blob(self, digest):
        if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            return None
        try:
            with open(os.path.join(self.blobdir, digest[7:]), "rb") as f:
                return f.read()
        except OSError:
            return None

    def manifest(self, ref):
        if ref in self.tags:
            ref = self.tags[ref]["digest"]
        return self.manifests.get(ref)

    def schema1(self, name, tag):
        m = self.first_image or {"layers": []}
        layers = [l["digest"] for l in m.get("layers", [])]
        hist, parent = [], None
        for i, dg in enumerate(layers):
            lid = hashlib.sha256(("%s %d" % (dg, i)).encode()).hexdigest()
            h = {"id": lid, "created": "2023-11-14T22:13:20Z",
                 "container_config": {"Cmd": ["/bin/sh -c #(nop) layer"]}}
            if parent:
                h["parent"] = parent
            hist.append({"v1Compatibility": json.dumps(h)})
            parent = lid
        doc = {"schemaVersion": 1, "name": name, "tag": tag,
               "architecture": "amd64",
               "fsLayers": [{"blobSum": dg} for dg in reversed(layers)],
               "history": list(reversed(hist)),
               "signatures": [{
                   "header": {"jwk": {"crv": "P-256", "kid": "FAKE:KEY",
                                      "kty": "EC", "x": "AAAA", "y": "AAAA"},
                              "alg": "ES256"},
                   "signature": "ZmFrZSBzaWduYXR1cmU",
                   "protected": "eyJmb3JtYXRMZW5ndGgiOjEsImZvcm1hdFRhaWwiOiJDbjAiLCJ0aW1lIjoiMjAyMy0xMS0xNFQyMjoxMzoyMFoifQ"}]}
        return json.dumps(doc, indent=3).encode()

    def huge(self):
        m = dict(self.first_image or {"schemaVersion": 2,
                                      "mediaType": MT_MANIFEST})
        m["annotations"] = {"org.rocker.test.padding": ""}
        base = len(json.dumps(m).encode())
        m["annotations"]["org.rocker.test.padding"] = "x" * (HUGE - base)
        body = json.dumps(m).encode()
        assert len(body) == HUGE
        return body


# ---- shared state -----------------------------------------------------------

class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.tokens = {}                # token -> times used
        self.altered = {}               # digest -> (body, media type)
        self.seq = 0

    def bump(self, key):
        with self.lock:
            n = self.counts.get(key, 0) + 1
            self.counts[key] = n
            return n

    def reset(self):
        with self.lock:
            self.counts.clear()
            self.tokens.clear()


STATE = State()
IMAGE = None
PORTS = {}
SCHEME = "http"


# ---- HTTP -------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "rocker-test-fake-registry/1"
    listener = "main"
    timeout = 60

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()

    # -- logging and plain answers --

    def record(self, status, note=None):
        with STATE.lock:
            STATE.seq += 1
            n = STATE.seq
        rec = {"n": n, "t": round(time.time(), 3), "listener": self.listener,
               "method": self.command, "target": self.path,
               "headers": [[k, v] for k, v in self.headers.items()],
               "status": status}
        if note is not None:
            rec["note"] = note
        line = json.dumps(rec, separators=(",", ":")) + "\n"
        with STATE.lock:
            with open(ARGS.log, "a") as f:
                f.write(line)

    def head(self, status, headers, note=None):
        self.record(status, note)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()

    def answer(self, status, body=b"", ctype="application/json",
               headers=(), note=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        h = [("Content-Type", ctype), ("Content-Length", str(len(body))),
             ("Docker-Distribution-API-Version", "registry/2.0")]
        self.head(status, h + list(headers), note)
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def error(self, status, code, msg, headers=(), note=None):
        self.answer(status, {"errors": [{"code": code, "message": msg,
                                         "detail": None}]},
                    headers=headers, note=note)

    def chunked(self, status, headers, body, note=None):
        h = [k_v for k_v in headers if k_v[0] != "Content-Length"]
        self.head(status, h + [("Transfer-Encoding", "chunked"),
                               ("Trailer", "X-Fake-Trailer")], note)
        if self.command == "HEAD":
            return
        sizes = [1, 7, 100, 4096]
        exts = [";ext=1", ';name="q;v"', ";bare", ""]
        off, i = 0, 0
        while off < len(body):
            n = sizes[i] if i < len(sizes) else 8192
            piece = body[off:off + n]
            self.wfile.write(b"%x%s\r\n" % (len(piece),
                                             exts[i % 4].encode()))
            self.wfile.write(piece + b"\r\n")
            off += len(piece)
            i += 1
        self.wfile.write(b"0;last=1\r\nX-Fake-Trailer: done\r\n\r\n")

    def cut(self):
        """Close the connection now, without finishing the response."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def stall(self):
        STOP.wait(ARGS.stall)
        self.cut()

    # -- dispatch --

    def do_GET(self):
        try:
            self.route()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True

    do_HEAD = do_GET

    def do_other(self):
        n = int(self.headers.get("Content-Length") or 0)
        if 0 < n <= 1 << 20:
            self.rfile.read(n)
        self.error(405, "UNSUPPORTED", "fake registry is read-only")

    do_PUT = do_POST = do_DELETE = do_PATCH = do_other

    def route(self):
        path = urlsplit(self.path).path
        if self.listener == "cdn":
            return self.cdn(path)
        if path == "/_fake/reset":
            STATE.reset()
            return self.answer(200, {"reset": True})
        if path == "/token":
            return self.token()
        if path in ("/v2", "/v2/"):
            return self.answer(200, {})
        m = re.fullmatch(r"/v2/(.+)/(manifests|blobs)/([^/]+)", path)
        t = re.fullmatch(r"/v2/(.+)/tags/list", path)
        if t:
            return self.answer(200, {"name": t.group(1),
                                     "tags": sorted(IMAGE.tags)})
        if not m:
            return self.error(404, "NAME_UNKNOWN", "no such endpoint")
        name, kind, ref = m.groups()
        sc = name.split("/")[0]
        if not self.before(sc, name, path):
            return
        if kind == "manifests":
            self.manifest(sc, name, ref)
        else:
            self.blob(sc, name, ref)

    def before(self, sc, name, path):
        """Faults that come before any content; False when answered."""
        if sc == "ratelimit" and STATE.bump(("429", path)) == 1:
            self.rate_limited("first request for this path")
            return False
        if sc == "toomany":
            self.rate_limited("always")
            return False
        n = STATE.bump(("503", path)) if sc == "5xx" else 0
        if 0 < n <= 2:
            self.error(503, "UNAVAILABLE", "service unavailable, try again",
                       note="503 %d of 2" % n)
            return False
        if sc == "stall":
            self.record(None, "stalled: no answer")
            self.stall()
            return False
        if sc == "slow" and self.command == "HEAD":
            self.record(None, "stalled: no answer to HEAD")
            self.stall()
            return False
        if sc == "linklocal":
            ch = ('Bearer realm="http://169.254.169.254/token",'
                  'service="fake-registry",scope="repository:%s:pull"'
                  % name)
            self.error(401, "UNAUTHORIZED", "authentication required",
                       headers=[("WWW-Authenticate", ch)],
                       note="link-local realm")
            return False
        if sc in ("redir", "redirchain", "reauth"):
            auth = self.headers.get("Authorization", "")
            tok = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
            with STATE.lock:
                uses = STATE.tokens.get(tok)
                if uses is not None:
                    STATE.tokens[tok] = uses + 1
            expired = sc == "reauth" and uses is not None and uses >= 2
            if uses is None or expired:
                realm = "%s://127.0.0.1:%d/token" % (SCHEME, PORTS["main"])
                ch = ('Bearer realm="%s",service="fake-registry",'
                      'scope="repository:%s:pull"' % (realm, name))
                if expired:
                    ch += ',error="invalid_token"'
                self.error(401, "UNAUTHORIZED", "authentication required",
                           headers=[("WWW-Authenticate", ch)],
                           note="expired token" if expired else
                           "bad token" if auth else "no token")
                return False
        return True

    def rate_limited(self, note):
        self.error(429, "TOOMANYREQUESTS",
                   "You have reached your pull rate limit. You may increase "
                   "the limit by authenticating and upgrading: "
                   "https://www.docker.com/increase-rate-limit",
                   headers=[("Retry-After", "1"),
                            ("ratelimit-limit", "100;w=21600"),
                            ("ratelimit-remaining", "0;w=21600"),
                            ("docker-ratelimit-source", "127.0.0.1")],
                   note=note)

    def token(self):
        tok = "fake-" + os.urandom(16).hex()
        with STATE.lock:
            STATE.tokens[tok] = 0
        self.answer(200, {"token": tok, "access_token": tok,
                          "expires_in": 300,
                          "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                     time.gmtime())})

    # -- manifests --

    def manifest(self, sc, name, ref):
        accept = ",".join(self.headers.get_all("Accept") or [])
        if sc == "schema1" or (sc == "noaccept" and
                               not any(t in accept for t in MANIFEST_TYPES)):
            body, mt = IMAGE.schema1(name, ref), MT_V1_SIGNED
        elif sc in ("huge", "hugechunked"):
            body, mt = IMAGE.huge(), MT_MANIFEST
        else:
            got = IMAGE.manifest(ref) or STATE.altered.get(ref)
            if not got and sc == "baddigest":
                got = IMAGE.manifest("latest")
            if not got:
                return self.error(404, "MANIFEST_UNKNOWN",
                                  "manifest unknown")
            body, mt = got
        if sc in ("wrongsize", "giantsize", "mtconfusion") and \
                ref not in STATE.altered:
            doc = json.loads(body)
            if doc.get("layers"):
                l0 = doc["layers"][0]
                if sc == "wrongsize":
                    l0["size"] += 1
                elif sc == "giantsize":
                    l0["size"] = 1 << 62
                else:
                    l0["mediaType"] = \
                        "application/vnd.oci.image.manifest.v1+json"
                body = json.dumps(doc).encode()
                with STATE.lock:
                    STATE.altered["sha256:" + hashlib.sha256(
                        body).hexdigest()] = (body, mt)
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        if sc == "baddigest":
            digest = "sha256:" + hashlib.sha256(body + b"x").hexdigest()
        h = [("Content-Type", mt), ("Content-Length", str(len(body))),
             ("Docker-Content-Digest", digest),
             ("Docker-Distribution-API-Version", "registry/2.0")]
        if self.command == "GET" and sc in ("chunked", "hugechunked"):
            return self.chunked(200, h, body)
        if self.command == "GET" and sc == "slow":
            self.head(200, h, "headers sent, then stalled")
            return self.stall()
        self.head(200, h)
        if self.command == "GET":
            self.wfile.write(body)

    # -- blobs --

    def blob(self, sc, name, digest):
        data = IMAGE.blob(digest)
        if data is None:
            return self.error(404, "BLOB_UNKNOWN", "blob unknown to registry")
        if sc == "downgrade":
            loc = "http://127.0.0.1:%d/cdn/%s/%s" % (PORTS["cdn"], name,
                                                   digest)
            return self.answer(307, b"", headers=[("Location", loc)])
        if sc in ("redir", "redirchain"):
            first = "hop" if sc == "redirchain" else "cdn"
            loc = ("%s://127.0.0.1:%d/%s/%s/%s?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                   "&X-Amz-Signature=fake" % (SCHEME, PORTS["cdn"], first,
                                              name, digest))
            return self.answer(307, b"", headers=[("Location", loc)])
        if sc == "corrupt" and digest in IMAGE.layers:
            data = data[:-1] + bytes([data[-1] ^ 1])
        rng = self.headers.get("Range")
        h = [("Content-Type", "application/octet-stream"),
             ("Docker-Content-Digest", digest),
             ("Docker-Distribution-API-Version", "registry/2.0")]
        if sc in ("drop", "norange", "badrange") and self.command == "GET" \
                and rng is None and STATE.bump(("drop", sc, digest)) == 1:
            half = max(1, len(data) // 2)
            self.head(200, h + [("Content-Length", str(len(data))),
                                ("Accept-Ranges", "bytes")],
                      "dropped after %d of %d bytes" % (half, len(data)))
            self.wfile.write(data[:half])
            return self.cut()
        if sc == "norange":
            return self.send_blob(sc, 200, h, data)
        if sc == "badrange" and rng is not None:
            return self.send_blob(sc, 206, h + [
                ("Content-Range", "bytes 0-%d/%d" % (len(data) - 1,
                                                     len(data)))], data,
                note="wrong Content-Range for " + rng)
        h.append(("Accept-Ranges", "bytes"))
        if rng is not None:
            m = re.fullmatch(r"\s*bytes=(\d+)-(\d*)\s*", rng)
            if m:
                start = int(m.group(1))
                end = int(m.group(2)) if m.group(2) else len(data) - 1
                end = min(end, len(data) - 1)
                if start >= len(data) or end < start:
                    return self.answer(416, b"", headers=[
                        ("Content-Range", "bytes */%d" % len(data))])
                return self.send_blob(sc, 206, h + [
                    ("Content-Range", "bytes %d-%d/%d" % (start, end,
                                                          len(data)))],
                    data[start:end + 1])
        self.send_blob(sc, 200, h, data)

    def send_blob(self, sc, status, h, data, note=None):
        h = h + [("Content-Length", str(len(data)))]
        if self.command == "GET" and sc == "chunked":
            return self.chunked(status, h, data, note)
        if self.command == "GET" and sc == "slow":
            self.head(status, h, "headers sent, then stalled")
            return self.stall()
        self.head(status, h, note)
        if self.command == "GET":
            self.wfile.write(data)

    # -- the redirect target --

    def cdn(self, path):
        if "Authorization" in self.headers:
            body = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>'
                    b'InvalidArgument</Code><Message>Only one auth mechanism '
                    b'allowed; only the X-Amz-Algorithm query parameter, '
                    b'Signature query string parameter or the Authorization '
                    b'header should be specified</Message></Error>')
            return self.answer(400, body, "application/xml",
                               note="Authorization sent to the redirect "
                                    "target")
        m = re.fullmatch(r"/(cdn|hop)/(.+)/(sha256:[0-9a-f]{64})", path)
        if not m:
            return self.answer(404, b"no such object", "text/plain")
        hop, name, digest = m.groups()
        if hop == "hop":
            return self.answer(307, b"", headers=[
                ("Location", "/cdn/%s/%s?X-Amz-Signature=fake" % (name,
                                                                  digest))])
        self.blob("ok", name, digest)


class CdnHandler(Handler):
    listener = "cdn"


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


def serve(handler, ctx):
    srv = Server(("127.0.0.1", 0), handler)
    if ctx:
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    return srv


def main():
    global ARGS, IMAGE, SCHEME
    p = argparse.ArgumentParser()
    p.add_argument("--log")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--stall", type=float, default=30)
    p.add_argument("port_file")
    p.add_argument("scenario_dir")
    ARGS = p.parse_args()
    if not ARGS.log:
        ARGS.log = os.path.join(os.path.dirname(
            os.path.abspath(ARGS.port_file)), "fake.log")
    IMAGE = Image(ARGS.scenario_dir)
    ctx = None
    if ARGS.tls:
        SCHEME = "https"
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls[0], ARGS.tls[1])
    main_srv = serve(Handler, ctx)
    cdn_srv = serve(CdnHandler, ctx)
    PORTS["main"] = main_srv.server_address[1]
    PORTS["cdn"] = cdn_srv.server_address[1]
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n%d\n" % (PORTS["main"], PORTS["cdn"]))
    os.rename(tmp, ARGS.port_file)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        STOP.set()


if __name__ == "__main__":
    sys.exit(main())
