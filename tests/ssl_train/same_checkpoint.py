#!/usr/bin/env python3
"""Whether two hue checkpoints hold the same run state: the same tensors,
byte for byte, and the same metadata but for elapsed_s (the run's wall
clock, which two runs never share) and the keys named after the files.
usage: same_checkpoint.py A B [KEY...]; exit 0 when the same, else 1 with
the first difference."""
import json
import struct
import sys


def read(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        return header.pop("__metadata__", {}), header, f.read()


def main():
    a_path, b_path, ignored = sys.argv[1], sys.argv[2], set(sys.argv[3:]) | {"elapsed_s"}
    (ma, ha, da), (mb, hb, db) = read(a_path), read(b_path)
    for key in sorted(set(ma) | set(mb)):
        if key not in ignored and ma.get(key) != mb.get(key):
            print("metadata %s differs: %r against %r" % (key, ma.get(key), mb.get(key)))
            return 1
    if ha != hb:
        names = sorted(k for k in set(ha) | set(hb) if ha.get(k) != hb.get(k))
        print("tensor entries differ: %s" % names[:5])
        return 1
    if da != db:
        for name, entry in sorted(ha.items()):
            lo, hi = entry["data_offsets"]
            if da[lo:hi] != db[lo:hi]:
                print("tensor %s differs" % name)
                return 1
        print("tensor data differs")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
