#!/usr/bin/env python3
"""mkimages.py - write the test images as OCI image layouts, offline

usage: mkimages.py OUT IMAGE...     IMAGE: busybox layered multi big

Writes OUT/oci/IMAGE/ (an OCI image layout whose index.json names the
image "latest") and OUT/expect/IMAGE.txt (the root filesystem a correct
pull + extraction must produce, in the format of tests/images/tree.sh).
Everything is deterministic: fixed mtimes, uid/gid 0, sorted entries,
gzip without a name or time stamp, so the digests only change when this
file, /bin/busybox or the host's zlib changes.

Layers are written by hand with tarfile (PAX format) rather than by umoci:
the whiteouts, the opaque directory, the hardlink and the implicit parent
directories below are exactly what the extraction tests need, and nothing
is derived from the build host's file system except /bin/busybox.
"""
import gzip
import hashlib
import io
import json
import os
import random
import subprocess
import sys
import tarfile

MTIME = 1700000000              # 2023-11-14T22:13:20Z
CREATED = "2023-11-14T22:13:20Z"
BUSYBOX = "/bin/busybox"
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER_GZ = "application/vnd.oci.image.layer.v1.tar+gzip"
MT_INTOTO = "application/vnd.in-toto+json"


def host_arch():
    m = os.uname().machine
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(m, m)


class Sink:
    """A file object that hashes and counts what is written through it."""

    def __init__(self, f):
        self.f, self.h, self.n = f, hashlib.sha256(), 0

    def write(self, b):
        self.h.update(b)
        self.n += len(b)
        return self.f.write(b)

    def flush(self):
        pass


class Layout:
    """An OCI image layout being written: blobs/sha256/ plus index.json."""

    def __init__(self, root):
        self.root = root
        self.blobs = os.path.join(root, "blobs", "sha256")
        os.makedirs(self.blobs, exist_ok=True)
        with open(os.path.join(root, "oci-layout"), "w") as f:
            f.write('{"imageLayoutVersion":"1.0.0"}')

    def put(self, data, media_type, **extra):
        hexd = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.blobs, hexd), "wb") as f:
            f.write(data)
        d = {"mediaType": media_type, "digest": "sha256:" + hexd,
             "size": len(data)}
        d.update(extra)
        return d

    def put_json(self, obj, media_type, **extra):
        return self.put(canon(obj), media_type, **extra)

    def put_layer(self, entries):
        """Write a tar+gzip layer from entries; return (descriptor, diff_id)."""
        tmp = os.path.join(self.blobs, ".tmp-layer")
        with open(tmp, "wb") as raw:
            gz_sink = Sink(raw)
            gz = gzip.GzipFile(filename="", mode="wb", fileobj=gz_sink,
                               mtime=0, compresslevel=6)
            tar_sink = Sink(gz)
            write_tar(tar_sink, entries)
            gz.close()
        hexd = gz_sink.h.hexdigest()
        os.rename(tmp, os.path.join(self.blobs, hexd))
        d = {"mediaType": MT_LAYER_GZ, "digest": "sha256:" + hexd,
             "size": gz_sink.n}
        return d, "sha256:" + tar_sink.h.hexdigest()

    def finish(self, top):
        top = dict(top)
        top["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
        idx = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [top]}
        with open(os.path.join(self.root, "index.json"), "wb") as f:
            f.write(canon(idx))


def canon(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


# An entry: (path, kind, mode, payload) with kind one of
#   "d" directory, "f" file (payload bytes or a callable writing to a file),
#   "l" symlink (payload target), "h" hardlink (payload: path it links to)
def write_tar(sink, entries):
    with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT,
                      bufsize=1 << 16) as t:
        for path, kind, mode, payload in entries:
            ti = tarfile.TarInfo(path)
            ti.mtime, ti.mode = MTIME, mode
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = "root"
            if kind == "d":
                ti.type = tarfile.DIRTYPE
                t.addfile(ti)
            elif kind == "l":
                ti.type, ti.linkname = tarfile.SYMTYPE, payload
                t.addfile(ti)
            elif kind == "h":
                ti.type, ti.linkname = tarfile.LNKTYPE, payload
                t.addfile(ti)
            elif isinstance(payload, (bytes, bytearray)):
                ti.size = len(payload)
                t.addfile(ti, io.BytesIO(payload))
            else:                       # (size, generator of chunks)
                size, gen = payload
                ti.size = size
                t.addfile(ti, ChunkReader(gen()))


class ChunkReader:
    def __init__(self, it):
        self.it, self.buf = it, b""

    def read(self, n=-1):
        while n < 0 or len(self.buf) < n:
            try:
                self.buf += next(self.it)
            except StopIteration:
                break
        if n < 0:
            n = len(self.buf)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def config(arch, diff_ids, history, variant=None, cmd=("sh",)):
    c = {"created": CREATED, "architecture": arch, "os": "linux",
         "config": {"Env": [PATH_ENV], "Cmd": list(cmd), "WorkingDir": "/"},
         "rootfs": {"type": "layers", "diff_ids": diff_ids},
         "history": [{"created": CREATED, "created_by": h} for h in history]}
    if variant:
        c["variant"] = variant
    return c


def manifest(cfg_desc, layer_descs, annotations=None):
    m = {"schemaVersion": 2, "mediaType": MT_MANIFEST, "config": cfg_desc,
         "layers": layer_descs}
    if annotations:
        m["annotations"] = annotations
    return m


# ---- contents -------------------------------------------------------------

def busybox_entries():
    """/bin/busybox, a symlink per applet (absolute target), a minimal /etc."""
    with open(BUSYBOX, "rb") as f:
        bb = f.read()
    applets = subprocess.run([BUSYBOX, "--list-full"], check=True,
                             capture_output=True, text=True).stdout.split()
    dirs = ["bin", "dev", "etc", "proc", "sbin", "sys", "usr", "usr/bin",
            "usr/sbin", "var"]
    e = [(d, "d", 0o755, None) for d in dirs]
    e += [("root", "d", 0o700, None), ("tmp", "d", 0o1777, None)]
    e += [("bin/busybox", "f", 0o755, bb),
          ("etc/passwd", "f", 0o644,
           b"root:x:0:0:root:/root:/bin/sh\n"
           b"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
          ("etc/group", "f", 0o644, b"root:x:0:\nnogroup:x:65534:\n"),
          ("etc/hostname", "f", 0o644, b"busybox\n")]
    for a in sorted(set(applets)):
        if a not in ("bin/busybox",) and os.path.dirname(a) in dirs:
            e.append((a, "l", 0o777, "/bin/busybox"))
    return sorted(e, key=lambda x: x[0])


def layered_layers():
    """Layers 2..4 of layered:latest (layer 1 is the busybox layer)."""
    long_dir = "data/long/" + "d" * 60 + "/" + "e" * 60
    l2 = [
        ("data", "d", 0o755, None),
        ("data/keep.txt", "f", 0o644, b"keep\n"),
        ("data/gone.txt", "f", 0o644, b"gone\n"),
        ("data/hard", "h", 0o644, "data/keep.txt"),
        ("data/link", "l", 0o777, "keep.txt"),
        ("data/abs", "l", 0o777, "/etc/motd"),
        ("data/shared", "d", 0o2775, None),
        ("data/dir2file", "d", 0o755, None),
        ("data/dir2file/child", "f", 0o644, b"child\n"),
        ("data/long", "d", 0o755, None),
        ("data/long/" + "d" * 60, "d", 0o755, None),
        (long_dir, "d", 0o755, None),
        (long_dir + "/file.txt", "f", 0o644, b"a path longer than 100\n"),
        ("etc/motd", "f", 0o644, b"layer 2\n"),
        ("opaque", "d", 0o755, None),
        ("opaque/old.txt", "f", 0o644, b"old\n"),
        ("opaque/sub", "d", 0o755, None),
        ("opaque/sub/deep.txt", "f", 0o644, b"deep\n"),
        # usr/local and usr/local/bin are left implicit on purpose
        ("usr/local/bin/suid", "f", 0o4755, b"#!/bin/sh\nid -u\n"),
        ("usr/local/bin/sgid", "f", 0o2755, b"#!/bin/sh\nid -g\n"),
    ]
    l3 = [
        ("bin", "d", 0o755, None),
        ("bin/.wh.vi", "f", 0o644, b""),
        ("data", "d", 0o755, None),
        ("data/.wh.gone.txt", "f", 0o644, b""),
        ("data/added.txt", "f", 0o644, b"added in layer 3\n"),
        ("opaque", "d", 0o755, None),
        ("opaque/.wh..wh..opq", "f", 0o644, b""),
        ("opaque/new.txt", "f", 0o644, b"new\n"),
    ]
    l4 = [
        ("data", "d", 0o755, None),
        ("data/.wh.dir2file", "f", 0o644, b""),
        ("data/dir2file", "f", 0o600, b"now a file\n"),
        ("etc", "d", 0o755, None),
        ("etc/motd", "f", 0o644, b"layer 4\n"),
    ]
    return [l2, l3, l4], ["layer 2: files, links, suid, opaque/",
                          "layer 3: whiteouts, opaque dir",
                          "layer 4: dir replaced by file"]


def big_layers():
    """About 112 MiB of compressible text in two layers, made fast."""
    rnd = random.Random(20231114)
    words = ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz")
                     for _ in range(rnd.randint(2, 10))) for _ in range(4096)]
    out, n = [], 0
    while n < (1 << 20):
        w = rnd.choice(words)
        out.append(w)
        n += len(w) + 1
    base = (" ".join(out) + "\n").encode()[: 1 << 20]

    def gen(tag, size):
        def g():
            done, i = 0, 0
            while done < size:
                off = (i * 7919 + len(tag) * 104729) % len(base)
                chunk = (tag + " %d\n" % i).encode() + base[off:] + base[:off]
                chunk = chunk[: size - done]
                done += len(chunk)
                i += 1
                yield chunk
        return (size, g)

    l1 = [("big", "d", 0o755, None), ("big/files", "d", 0o755, None)]
    l1 += [("big/files/f%03d.txt" % i, "f", 0o644,
            gen("f%03d" % i, 1 << 20)) for i in range(64)]
    l2 = [("big", "d", 0o755, None),
          ("big/one-large-file.txt", "f", 0o644, gen("large", 48 << 20))]
    return [l1, l2], ["big: 64 files of 1 MiB", "big: one 48 MiB file"]


# ---- expected trees ---------------------------------------------------------

def apply_layers(layers):
    """Apply layers the way the OCI layer spec says; return path -> attrs."""
    fs = {}
    for entries in layers:
        for path, kind, mode, payload in entries:
            d, b = os.path.split(path)
            if b == ".wh..wh..opq":
                for p in [p for p in fs if p.startswith(d + "/")]:
                    del fs[p]
            elif b.startswith(".wh."):
                gone = os.path.join(d, b[4:])
                for p in [p for p in fs
                          if p == gone or p.startswith(gone + "/")]:
                    del fs[p]
        for path, kind, mode, payload in entries:
            if os.path.basename(path).startswith(".wh."):
                continue
            parts = path.split("/")
            for i in range(1, len(parts)):
                fs.setdefault("/".join(parts[:i]), ("d", 0o755, None))
            old = fs.get(path)
            if old and old[0] == "d" and kind != "d":
                for p in [p for p in fs if p.startswith(path + "/")]:
                    del fs[p]
            if kind == "h":
                fs[path] = fs[payload]
            elif kind == "f":
                size = len(payload) if isinstance(payload, bytes) \
                    else payload[0]
                fs[path] = ("f", mode, size)
            else:
                fs[path] = (kind, mode, payload)
    return fs


def tree_text(fs):
    """Lines as tests/images/tree.sh prints them for an extracted root."""
    lines = []
    for p, (kind, mode, x) in fs.items():
        m = format(mode & 0o7777 if kind != "l" else 0o777, "o")
        if kind == "f":
            lines.append("./%s f %s %d\n" % (p, m, x))
        elif kind == "l":
            lines.append("./%s l %s -> %s\n" % (p, m, x))
        else:
            lines.append("./%s d %s\n" % (p, m))
    return "".join(sorted(lines, key=lambda l: l.encode()))


# ---- images ---------------------------------------------------------------

def build(out, name):
    lay = Layout(os.path.join(out, "oci", name))
    arch = host_arch()
    bb = busybox_entries()
    if name == "busybox":
        ld, diff = lay.put_layer(bb)
        cd = lay.put_json(config(arch, [diff], ["busybox-static rootfs"]),
                          MT_CONFIG)
        top = lay.put_json(manifest(cd, [ld]), MT_MANIFEST)
        layers = [bb]
    elif name == "layered":
        more, hist = layered_layers()
        descs, diffs = [], []
        for entries in [bb] + more:
            ld, diff = lay.put_layer(entries)
            descs.append(ld)
            diffs.append(diff)
        cd = lay.put_json(config(arch, diffs, ["busybox-static rootfs"]
                                 + hist), MT_CONFIG)
        top = lay.put_json(manifest(cd, descs), MT_MANIFEST)
        layers = [bb] + more
    elif name == "multi":
        ld, diff = lay.put_layer(bb)
        plats = [("amd64", None), ("arm64", "v8")]
        entries = []
        for a, v in plats:
            cd = lay.put_json(config(a, [diff], ["busybox-static rootfs (%s)"
                                                 % a], variant=v), MT_CONFIG)
            plat = {"architecture": a, "os": "linux"}
            if v:
                plat["variant"] = v
            entries.append(lay.put_json(manifest(cd, [ld]), MT_MANIFEST,
                                        platform=plat))
        # a BuildKit-style attestation manifest for the amd64 image
        stmt = canon({"_type": "https://in-toto.io/Statement/v0.1",
                      "predicateType": "https://spdx.dev/Document",
                      "subject": [{"name": "multi", "digest": {
                          "sha256": entries[0]["digest"][7:]}}],
                      "predicate": {"spdxVersion": "SPDX-2.3"}})
        sd = lay.put(stmt, MT_INTOTO, annotations={
            "in-toto.io/predicate-type": "https://spdx.dev/Document"})
        acfg = {"architecture": "unknown", "os": "unknown", "config": {},
                "rootfs": {"type": "layers",
                           "diff_ids": [sd["digest"]]}}
        acd = lay.put_json(acfg, MT_CONFIG)
        entries.append(lay.put_json(
            manifest(acd, [sd]), MT_MANIFEST,
            platform={"architecture": "unknown", "os": "unknown"},
            annotations={
                "vnd.docker.reference.digest": entries[0]["digest"],
                "vnd.docker.reference.type": "attestation-manifest"}))
        top = lay.put_json({"schemaVersion": 2, "mediaType": MT_INDEX,
                            "manifests": entries}, MT_INDEX)
        layers = [bb]
    elif name == "big":
        big, hist = big_layers()
        descs, diffs = [], []
        for entries in [bb] + big:
            ld, diff = lay.put_layer(entries)
            descs.append(ld)
            diffs.append(diff)
        cd = lay.put_json(config(arch, diffs, ["busybox-static rootfs"]
                                 + hist), MT_CONFIG)
        top = lay.put_json(manifest(cd, descs), MT_MANIFEST)
        layers = [bb] + big
    else:
        sys.exit("mkimages.py: unknown image " + name)
    lay.finish(top)
    os.makedirs(os.path.join(out, "expect"), exist_ok=True)
    with open(os.path.join(out, "expect", name + ".txt"), "w") as f:
        f.write(tree_text(apply_layers(layers)))


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: mkimages.py OUT IMAGE...")
    for name in sys.argv[2:]:
        build(sys.argv[1], name)


if __name__ == "__main__":
    main()
