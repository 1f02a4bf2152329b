#!/usr/bin/env python3
"""Write a copy of a hue checkpoint as an older hue wrote it: without some of
its kept flags and hyper-parameters (the resume tests' "checkpoint from
before a flag").

usage: drop_flags.py IN OUT [flag:NAME | hp:NAME]...
  flag:NAME  removes NAME from the metadata's "flags" (as on the command line: tile-crop)
  hp:NAME    removes NAME from its "hyperparameters" (tile_crop)
Each named entry must be there: a test that drops nothing tests nothing."""
import json
import struct
import sys


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    data = open(argv[1], "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header["__metadata__"]
    tables = {"flag": json.loads(meta["flags"]), "hp": json.loads(meta["hyperparameters"])}
    for entry in argv[3:]:
        kind, _, name = entry.partition(":")
        if kind not in tables or not name:
            sys.exit(f"drop_flags.py: {entry}: expected flag:NAME or hp:NAME")
        if name not in tables[kind]:
            sys.exit(f"drop_flags.py: {argv[1]}: no {kind} {name} to drop")
        del tables[kind][name]
    meta["flags"], meta["hyperparameters"] = json.dumps(tables["flag"]), json.dumps(tables["hp"])
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)  # keep the tensor data 8-byte aligned
    with open(argv[2], "wb") as out:
        out.write(struct.pack("<Q", len(text)) + text + data[8 + n:])


if __name__ == "__main__":
    main(sys.argv)
