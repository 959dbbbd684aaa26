#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Checks for `dlakit eval --json` and `dlakit classify --json` reports (Debian python3 + numpy).

  classify_check.py eval REPORT.json CORRECT N [REF.npy...]
      top-1 correct == CORRECT of N images, 0 unreadable, and each item's prediction equals the
      argmax (lowest index among ties) of every REF (ONNX Runtime outputs, one row per item)
  classify_check.py same-predictions A.json B.json
      two eval reports with identical labels and predictions
  classify_check.py topk REPORT.json REF.npy K
      the i-th classified image's top-K class list equals REF row i's K best classes, ordered by
      score descending and ties by lower index
"""
import json
import sys

import numpy as np


def topk(row, k):
    # sort by score descending, ties by lower index
    order = np.lexsort((np.arange(row.size), -row.astype(np.float64)))
    return [int(i) for i in order[:k]]


def main(argv):
    cmd = argv[1]
    if cmd == 'eval':
        rep = json.load(open(argv[2]))
        want, n = int(argv[3]), int(argv[4])
        ok = True
        got = rep['top1']['correct']
        print(f"{argv[2]}: top-1 {got}/{rep['images']} (want {want}/{n}), unreadable {rep['unreadable']}")
        ok &= got == want and rep['images'] == n and rep['unreadable'] == 0
        pred = np.array(rep['predictions'])
        for ref in argv[5:]:
            r = np.load(ref)
            same = int((r.argmax(1) == pred).sum())
            print(f"  predictions equal to argmax of {ref}: {same}/{len(pred)}")
            ok &= same == len(pred) == r.shape[0]
        return 0 if ok else 1
    if cmd == 'same-predictions':
        a, b = json.load(open(argv[2])), json.load(open(argv[3]))
        same = a['labels'] == b['labels'] and a['predictions'] == b['predictions']
        print(f"{argv[2]} vs {argv[3]}: labels and predictions {'identical' if same else 'DIFFER'}")
        return 0 if same else 1
    if cmd == 'topk':
        rep = json.load(open(argv[2]))
        ref = np.load(argv[3])
        k = int(argv[4])
        res = rep['results']
        ok = len(res) == ref.shape[0]
        for i, r in enumerate(res):
            got = [t['class'] for t in r['top']]
            want = topk(ref[i], k)
            print(f"{r['image']}: top-{k} {got} (ORT {want}) {'ok' if got == want else 'DIFFERENT'}")
            ok &= got == want
        return 0 if ok else 1
    print(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
