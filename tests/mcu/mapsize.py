#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Flash and RAM of a Cortex-M program from its GNU ld link map.

usage: mapsize.py APP.map [OBJECT]
Prints one JSON object: the output sections' sizes (text, rodata, data, bss, stack), flash =
text + rodata (+ data's load image, 0 here: the bench loads .data in place), ram = data + bss +
stack, and the same sums for the input sections that OBJECT (e.g. m.o) contributed."""
import json
import re
import sys

OUT = ("text", "rodata", "data", "bss", "stack")


def parse(path, obj=None):
    total = {k: 0 for k in OUT}
    mine = {k: 0 for k in OUT}
    cur = None
    pending = None  # an input section whose address/size is on the next line
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.match(r"^\.(\w+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)", line)
        if m:
            cur = m.group(1) if m.group(1) in OUT else None
            if cur:
                total[cur] = int(m.group(3), 16)
            pending = None
            continue
        if cur is None or obj is None:
            continue
        m = re.match(r"^ (\.\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)", line)
        if not m and pending:
            m2 = re.match(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)", line)
            if m2 and m2.group(3).endswith(obj):
                mine[cur] += int(m2.group(2), 16)
            pending = None
            continue
        if m:
            if m.group(4).endswith(obj):
                mine[cur] += int(m.group(3), 16)
            continue
        m = re.match(r"^ (\.\S+)\s*$", line)
        pending = m.group(1) if m else None
    res = dict(total)
    res["flash"] = total["text"] + total["rodata"]
    res["ram"] = total["data"] + total["bss"] + total["stack"]
    if obj:
        res["model"] = dict(mine, flash=mine["text"] + mine["rodata"], ram=mine["data"] + mine["bss"])
    return res


if __name__ == "__main__":
    print(json.dumps(parse(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)))
