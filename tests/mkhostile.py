#!/usr/bin/env python3
"""mkhostile.py KIND OUT SENTINEL GOOD_QCOW2: write a hostile .box or bundle.

Every archive aims at SENTINEL, a folder outside wherever berth unpacks it,
by the trick KIND names (tests/cli/hostile.sh lists them). GOOD_QCOW2 is a
small real image, for the parts of a box that should pass.
"""
import io
import json
import struct
import sys
import tarfile

kind, out, sentinel, good = sys.argv[1:5]
UP = "../" * 16                     # well above any staging folder
REL = UP + sentinel.lstrip("/")     # the sentinel, reached from inside
CHAIN = "d/x/" * 16 + UP + sentinel.lstrip("/")  # inside by its text only


def data(tar, name, body=b"", mode=0o644):
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(body), mode
    tar.addfile(info, io.BytesIO(body))


def special(tar, name, type_, link="", mode=0o777):
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = type_, link, mode
    tar.addfile(info)


def metadata(tar, cmdline="root=/dev/vda rw", kernel=None):
    meta = {"provider": "libvirt", "format": "qcow2", "virtual_size": 1}
    if kernel:
        meta["berth"] = {"kernel": kernel, "cmdline": cmdline}
    data(tar, "metadata.json", json.dumps(meta).encode())


def box(tar):
    metadata(tar)
    with open(good, "rb") as f:
        data(tar, "box.img", f.read())


def manifest(tar, **extra):
    m = {"format": 1, "workspace": "hostile", "with_images": False}
    m.update(extra)
    data(tar, "manifest.json", json.dumps(m).encode())
    data(tar, "workspace/Berthfile", b'workspace = "hostile";\n')


if kind == "qcow2-huge":
    with open(good, "rb") as f:
        img = bytearray(f.read())
    img[24:32] = struct.pack(">Q", 2**64 - 1)
    with open(out, "wb") as f:
        f.write(img)
    sys.exit(0)

with tarfile.open(out, "w:gz", format=tarfile.GNU_FORMAT) as tar:
    if kind == "box-link-chain":
        # lexically inside at every step; resolved, box.img is the host's
        metadata(tar)
        special(tar, "d", tarfile.DIRTYPE, mode=0o755)
        special(tar, "d/x", tarfile.SYMTYPE, "..")
        special(tar, "box.img", tarfile.SYMTYPE, CHAIN + "/disk.qcow2")
    elif kind == "box-any-link":
        metadata(tar)
        special(tar, "box.img", tarfile.SYMTYPE, "metadata.json")
    elif kind == "box-absolute":
        box(tar)
        data(tar, sentinel + "/evil", b"planted")
    elif kind == "box-dotdot":
        box(tar)
        data(tar, REL + "/evil", b"planted")
    elif kind == "box-hardlink":
        metadata(tar)
        special(tar, "box.img", tarfile.LNKTYPE, sentinel + "/file", 0o644)
    elif kind == "box-fifo":
        box(tar)
        special(tar, "fifo", tarfile.FIFOTYPE, mode=0o644)
    elif kind == "box-device":
        box(tar)
        special(tar, "zero", tarfile.CHRTYPE, mode=0o666)
    elif kind == "box-subdir":
        box(tar)
        data(tar, "users/evil", b"planted-user")
    elif kind == "box-cmdline-xml":
        metadata(tar, kernel="vmlinuz", cmdline="a</cmdline></os><devices>"
                 "<disk type='file'><source file='/etc/shadow'/></disk>")
        with open(good, "rb") as f:
            data(tar, "box.img", f.read())
        data(tar, "vmlinuz", b"not a kernel")
    elif kind == "box-planted":
        box(tar)
        data(tar, "box.json", b'{"name": "planted-user"}')
        data(tar, "users", b"planted-user")
        data(tar, "notes", b"planted-user")
    elif kind == "box-escape-name":
        box(tar)
        data(tar, "../\x1b[2J\x1b]52;c;ZXZpbA==\x07", b"x")
    elif kind == "bundle-link-chain":
        manifest(tar)
        special(tar, "workspace/d", tarfile.DIRTYPE, mode=0o755)
        special(tar, "workspace/d/x", tarfile.SYMTYPE, "..")
        special(tar, "workspace/evil", tarfile.SYMTYPE, CHAIN + "/file")
    elif kind == "bundle-write-through":
        manifest(tar)
        special(tar, "workspace/d", tarfile.DIRTYPE, mode=0o755)
        special(tar, "workspace/d/x", tarfile.SYMTYPE, "..")
        special(tar, "workspace/evil", tarfile.SYMTYPE, CHAIN + "/file")
        data(tar, "workspace/evil", b"overwritten through a link")
    elif kind == "bundle-berth-link":
        manifest(tar)
        special(tar, "workspace/.berth", tarfile.SYMTYPE, REL + "/sub")
        data(tar, "workspace/.berth/state.json", b"{}")
    elif kind == "bundle-absolute-link":
        manifest(tar)
        special(tar, "workspace/evil", tarfile.SYMTYPE, sentinel + "/file")
    elif kind == "bundle-planted-state":
        manifest(tar)
        data(tar, "workspace/.berth/state.json",
             b'{"id": "0123abcd", "domain": "someone-elses"}')
    elif kind == "bundle-dotdot":
        manifest(tar)
        data(tar, "workspace/" + REL + "/evil", b"planted")
    elif kind == "bundle-good":
        manifest(tar)
        special(tar, "workspace/link-inside", tarfile.SYMTYPE, "Berthfile")
    elif kind == "bundle-box-object":
        manifest(tar, box={})
    elif kind == "bundle-box-number":
        manifest(tar, box={"name": 5})
    else:
        sys.exit("mkhostile.py: no kind '%s'" % kind)
