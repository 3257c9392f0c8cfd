#!/usr/bin/env python3
"""mkbox.py: write the test archives for box import, benign and malicious.

usage: mkbox.py KIND OUT [IMAGE]

Kinds: vagrant (a standard Vagrant libvirt .box, gzipped), virtualbox,
absolute, dotdot, symlink-abs, symlink-up, hardlink-out, device.
"""
import io
import json
import sys
import tarfile

kind, out = sys.argv[1], sys.argv[2]
image = sys.argv[3] if len(sys.argv) > 3 else None


def add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def add_special(tar, name, kind, target=''):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    tar.addfile(info)


meta = {'provider': 'virtualbox' if kind == 'virtualbox' else 'libvirt',
        'format': 'qcow2', 'virtual_size': 1}
with tarfile.open(out, 'w:gz' if kind == 'vagrant' else 'w') as tar:
    add_bytes(tar, 'metadata.json', json.dumps(meta).encode())
    add_bytes(tar, 'Vagrantfile', b'Vagrant.configure("2") do |config|\nend\n')
    if image:
        tar.add(image, arcname='box.img')
    if kind == 'absolute':
        add_bytes(tar, '/tmp/berth-evil', b'x')
    elif kind == 'dotdot':
        add_bytes(tar, '../berth-evil', b'x')
    elif kind == 'symlink-abs':
        add_special(tar, 'passwd', tarfile.SYMTYPE, '/etc/passwd')
    elif kind == 'symlink-up':
        add_special(tar, 'sub/up', tarfile.SYMTYPE, '../../..')
    elif kind == 'hardlink-out':
        add_special(tar, 'shadow', tarfile.LNKTYPE, '../../../etc/shadow')
    elif kind == 'device':
        add_special(tar, 'mem', tarfile.CHRTYPE)
