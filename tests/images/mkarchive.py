#!/usr/bin/env python3
"""mkarchive.py - small image archives, well-formed or hostile, for load tests

usage:
  mkarchive.py layer OUT.tar SPEC...      a layer tar; SPEC is
        f:NAME:TEXT   regular file     d:NAME    directory
        l:NAME:TARGET symlink          h:NAME:TARGET hard link
  mkarchive.py docker OUT.tar [options] LAYER.tar...
        a Docker archive (manifest.json, <hex>.json config, <hex>.tar)
  mkarchive.py oci OUT.tar [options] LAYER.tar...
        an OCI layout archive (oci-layout, index.json, blobs/sha256/)
options:
  --tag REF          RepoTags entry / ref.name annotation (repeatable)
  --bad-diff-id N    put a wrong diff_id for layer N in the config
  --bad-blob N       (oci) corrupt layer N's bytes, keep its digest
  --gzip-layers      (oci) gzip the layer blobs (tar+gzip media type)
  --raw-manifest S   (docker) write S as manifest.json verbatim
  --nested           (oci) index.json -> image index (linux/amd64 and an
                     attestation entry) -> manifest, the name outside

Everything is deterministic (mtime 0, uid/gid 0, sorted members), so the
tests can predict digests. Standard library only.
"""
import gzip
import hashlib
import io
import json
import sys
import tarfile


def add(t, name, data=b"", kind=tarfile.REGTYPE, link="", mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = mode
    ti.mtime = 0
    ti.uid = ti.gid = 0
    ti.linkname = link
    if kind == tarfile.REGTYPE:
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    else:
        t.addfile(ti)


def layer(out, specs):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for s in specs:
            kind, name, *rest = s.split(":", 2)
            if kind == "f":
                add(t, name, rest[0].encode() if rest else b"")
            elif kind == "d":
                add(t, name, kind=tarfile.DIRTYPE, mode=0o755)
            elif kind == "l":
                add(t, name, kind=tarfile.SYMTYPE, link=rest[0],
                    mode=0o777)
            elif kind == "h":
                add(t, name, kind=tarfile.LNKTYPE, link=rest[0])
            else:
                sys.exit("mkarchive: bad spec " + s)
    open(out, "wb").write(buf.getvalue())


def sha(b):
    return hashlib.sha256(b).hexdigest()


def config(layers, bad):
    ids = ["sha256:" + sha(l) for l in layers]
    if bad is not None:
        ids[bad] = "sha256:" + "0" * 64
    c = {"architecture": "amd64", "os": "linux",
         "created": "2023-11-14T22:13:20Z",
         "config": {"Cmd": ["sh"], "Env": ["PATH=/bin"]},
         "rootfs": {"type": "layers", "diff_ids": ids}}
    return json.dumps(c, sort_keys=True, separators=(",", ":")).encode()


def archive(out, members):
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
        for name in sorted(members):
            add(t, name, members[name])


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    mode, out, rest = argv[1], argv[2], argv[3:]
    if mode == "layer":
        return layer(out, rest)
    tags, files, bad_diff, bad_blob, gz, raw = [], [], None, None, False, None
    nested = False
    i = 0
    while i < len(rest):
        a = rest[i]
        if a == "--tag":
            tags.append(rest[i + 1]); i += 2
        elif a == "--bad-diff-id":
            bad_diff = int(rest[i + 1]); i += 2
        elif a == "--bad-blob":
            bad_blob = int(rest[i + 1]); i += 2
        elif a == "--gzip-layers":
            gz = True; i += 1
        elif a == "--nested":
            nested = True; i += 1
        elif a == "--raw-manifest":
            raw = rest[i + 1].encode(); i += 2
        else:
            files.append(a); i += 1
    layers = [open(f, "rb").read() for f in files]
    cfg = config(layers, bad_diff)
    m = {}
    if mode == "docker":
        m[sha(cfg) + ".json"] = cfg
        names = []
        for l in layers:
            m[sha(l) + ".tar"] = l
            names.append(sha(l) + ".tar")
        man = [{"Config": sha(cfg) + ".json", "RepoTags": tags,
                "Layers": names}]
        m["manifest.json"] = raw if raw is not None else json.dumps(man).encode()
    elif mode == "oci":
        descs = []
        for n, l in enumerate(layers):
            blob = gzip.compress(l, mtime=0) if gz else l
            d = sha(blob)
            if bad_blob == n:
                blob = blob[:-1] + bytes([blob[-1] ^ 1])
            m["blobs/sha256/" + d] = blob
            descs.append({"mediaType": "application/vnd.oci.image.layer.v1."
                          + ("tar+gzip" if gz else "tar"),
                          "digest": "sha256:" + d, "size": len(blob)})
        m["blobs/sha256/" + sha(cfg)] = cfg
        man = json.dumps({"schemaVersion": 2,
                          "mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                     "digest": "sha256:" + sha(cfg),
                                     "size": len(cfg)},
                          "layers": descs}).encode()
        m["blobs/sha256/" + sha(man)] = man
        top_mt = "application/vnd.oci.image.manifest.v1+json"
        if nested:
            idx = json.dumps({"schemaVersion": 2,
                              "mediaType": "application/vnd.oci.image.index.v1+json",
                              "manifests": [
                                  {"mediaType": top_mt,
                                   "digest": "sha256:" + sha(man),
                                   "size": len(man),
                                   "platform": {"os": "unknown",
                                                "architecture": "unknown"},
                                   "annotations": {"vnd.docker.reference.type":
                                                   "attestation-manifest"}},
                                  {"mediaType": top_mt,
                                   "digest": "sha256:" + sha(man),
                                   "size": len(man),
                                   "platform": {"os": "linux",
                                                "architecture": "amd64"}}]}).encode()
            m["blobs/sha256/" + sha(idx)] = idx
            man = idx
            top_mt = "application/vnd.oci.image.index.v1+json"
        ents = []
        for tag in tags or [None]:
            d = {"mediaType": top_mt,
                 "digest": "sha256:" + sha(man), "size": len(man)}
            if tag and nested:
                d["annotations"] = {"io.containerd.image.name": tag}
            elif tag:
                d["annotations"] = {"org.opencontainers.image.ref.name": tag}
            ents.append(d)
        m["index.json"] = json.dumps({"schemaVersion": 2,
                                      "manifests": ents}).encode()
        m["oci-layout"] = b'{"imageLayoutVersion":"1.0.0"}'
    else:
        sys.exit(__doc__)
    archive(out, m)


if __name__ == "__main__":
    main(sys.argv)
