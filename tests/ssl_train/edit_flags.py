#!/usr/bin/env python3
"""Write a copy of a hue checkpoint with its kept flags or hyper-parameters
edited: as an older hue wrote it (without a flag), or as no hue writes it
(the resume tests' odd and incomplete checkpoints).

usage: edit_flags.py IN OUT EDIT...
  -flag:NAME        removes NAME from the metadata's "flags" (as on the command line: tile-crop)
  -hp:NAME          removes NAME from its "hyperparameters" (tile_crop)
  flag:NAME=JSON    sets flag NAME to the JSON value (true, "1", 0.5)
  flags=JSON        replaces the whole flags object ({"command": "train-video"})
  -flags            removes the flags entry (a checkpoint from before hue kept flags)
Each entry removed must be there: a test that drops nothing tests nothing."""
import json
import struct
import sys


def fail(msg):
    sys.exit(f"edit_flags.py: {msg}")


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    data = open(argv[1], "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header["__metadata__"]
    tables = {"flag": json.loads(meta.get("flags", "{}")), "hp": json.loads(meta.get("hyperparameters", "{}"))}
    remove_flags, touched = False, set()
    for edit in argv[3:]:
        if edit == "-flags":
            if "flags" not in meta:
                fail(f"{argv[1]}: no flags to drop")
            remove_flags = True
        elif edit.startswith("flags="):
            tables["flag"] = json.loads(edit[len("flags="):])
            touched.add("flag")
        elif edit.startswith("-"):
            kind, _, name = edit[1:].partition(":")
            if kind not in tables or not name:
                fail(f"{edit}: expected -flag:NAME or -hp:NAME")
            if name not in tables[kind]:
                fail(f"{argv[1]}: no {kind} {name} to drop")
            del tables[kind][name]
            touched.add(kind)
        elif edit.startswith("flag:") and "=" in edit:
            name, _, value = edit[len("flag:"):].partition("=")
            tables["flag"][name] = json.loads(value)
            touched.add("flag")
        else:
            fail(f"{edit}: not an edit (see the usage)")
    if remove_flags and "flag" in touched:
        fail("-flags removes the flags its other edits change")
    for kind, key in (("flag", "flags"), ("hp", "hyperparameters")):
        if kind in touched:
            meta[key] = json.dumps(tables[kind])
    if remove_flags:
        del meta["flags"]
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)  # keep the tensor data 8-byte aligned
    with open(argv[2], "wb") as out:
        out.write(struct.pack("<Q", len(text)) + text + data[8 + n:])


if __name__ == "__main__":
    main(sys.argv)
