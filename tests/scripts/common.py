#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Comparison helpers for dlakit's end-to-end tests (Debian python3 + numpy only).

Import it (sys.path.insert(0, dirname)) or run it as a command from the shell scripts:

  common.py slice IN.npy OUT.npy START STOP        rows START:STOP of axis 0
  common.py crop IN.npy OUT.npy H W                center crop of N x H0 x W0 x C (torchvision rule)
  common.py exact OUT.npy REF.npy [WHAT]           bit-identical float32 (every element)
  common.py close OUT.npy REF.npy [REL] [WHAT]     max|out-ref| <= REL * max|ref| (default 1e-4)
                                                   and the same argmax in every row
  common.py argmax OUT.npy REF.npy [WHAT]          same argmax in every row
  common.py correct OUT.npy LABELS.npy N [WHAT]    exactly N rows whose argmax equals the label

Each check prints one line saying what it compared and the result, and exits 1 on failure
(2 on a usage error or an unreadable file). argmax is numpy's: the lowest index among ties.
"""
import sys

import numpy as np


class CheckFailed(Exception):
    pass


def load(path):
    """np.load that reports which file could not be read."""
    try:
        return np.load(path, allow_pickle=False)
    except Exception as e:  # noqa: BLE001 - any reason means the tool's output is unusable
        raise CheckFailed(f"cannot read {path}: {e}")


def _as_f32_2d(a, name):
    if a.dtype != np.float32:
        raise CheckFailed(f"{name}: dtype {a.dtype}, expected float32")
    if a.ndim != 2:
        raise CheckFailed(f"{name}: shape {a.shape}, expected N x P")
    return a


def _same_shape(a, ref, what):
    if a.shape != ref.shape:
        raise CheckFailed(f"{what}: shape {a.shape}, reference {ref.shape}")


def argmax_rows(a):
    """Top-1 per row; numpy argmax = the lowest index among equal maxima."""
    return np.argmax(a.reshape(a.shape[0], -1), axis=1)


def _first(idx, k=5):
    return [tuple(int(v) for v in t) for t in np.array(idx).T[:k]] if np.ndim(idx) else []


def assert_bit_exact(a, ref, what="output"):
    """Every element's float32 bit pattern equal (so -0 != +0, NaN == the same NaN)."""
    _as_f32_2d(a, what)
    _same_shape(a, ref, what)
    ref = ref.astype(np.float32, copy=False)
    diff = a.view(np.uint32) != ref.view(np.uint32)
    n = int(diff.sum())
    if n:
        where = np.nonzero(diff)
        first = [(int(i), int(j), float(a[i, j]), float(ref[i, j])) for i, j in list(zip(*where))[:8]]
        rows = np.unique(where[0])
        raise CheckFailed(
            f"{what}: {n} of {a.size} elements differ (in {len(rows)} of {a.shape[0]} rows); "
            f"max|diff| {float(np.max(np.abs(a.astype(np.float64) - ref))):.6g}; "
            f"first (row, col, got, ref): {first}")
    print(f"ok  {what}: bit-identical, {a.shape[0]} x {a.shape[1]} float32")


def assert_argmax_equal(a, ref, what="output"):
    _as_f32_2d(a, what)
    _same_shape(a, ref, what)
    ga, gr = argmax_rows(a), argmax_rows(ref)
    bad = np.nonzero(ga != gr)[0]
    if len(bad):
        det = []
        for i in bad[:8]:
            r = ref[i]
            srt = np.sort(r)[::-1]
            det.append(f"row {int(i)}: got {int(ga[i])} ref {int(gr[i])} "
                       f"(ref top-2 margin {float(srt[0] - srt[1]):.3g})")
        raise CheckFailed(f"{what}: top-1 differs in {len(bad)} of {a.shape[0]} rows: " + "; ".join(det))
    print(f"ok  {what}: same top-1 in all {a.shape[0]} rows")


def assert_close(a, ref, rel=1e-4, what="output"):
    """max|a - ref| over the whole array <= rel * max|ref|, and the same argmax per row."""
    _as_f32_2d(a, what)
    _same_shape(a, ref, what)
    if not np.all(np.isfinite(a)):
        raise CheckFailed(f"{what}: {int(np.sum(~np.isfinite(a)))} non-finite values")
    d = np.abs(a.astype(np.float64) - ref.astype(np.float64))
    tol = rel * float(np.max(np.abs(ref)))
    md = float(d.max()) if d.size else 0.0
    if md > tol:
        i, j = np.unravel_index(int(np.argmax(d)), d.shape)
        raise CheckFailed(
            f"{what}: max|diff| {md:.6g} > {rel:g} * max|ref| = {tol:.6g} "
            f"(at row {i} col {j}: got {float(a[i, j]):.8g}, ref {float(ref[i, j]):.8g}; "
            f"{int((d > tol).sum())} elements over)")
    print(f"ok  {what}: max|diff| {md:.3g} <= {tol:.3g} ({rel:g} of max|ref|), {a.shape[0]} x {a.shape[1]}")
    assert_argmax_equal(a, ref, what)


def count_correct(a, labels):
    labels = np.asarray(labels).reshape(-1)
    if a.shape[0] != labels.shape[0]:
        raise CheckFailed(f"{a.shape[0]} rows but {labels.shape[0]} labels")
    return int(np.sum(argmax_rows(a) == labels.astype(np.int64)))


def assert_correct(a, labels, expected, what="output"):
    _as_f32_2d(a, what)
    n = count_correct(a, labels)
    if n != expected:
        raise CheckFailed(f"{what}: {n} of {a.shape[0]} correct, expected {expected}")
    print(f"ok  {what}: {n} of {a.shape[0]} correct ({100.0 * n / a.shape[0]:.2f} %)")


def center_crop(x, h, w):
    """torchvision CenterCrop on N x H x W x C: top = round((H - h) / 2), half to even."""
    H, W = x.shape[1], x.shape[2]
    if h > H or w > W:
        raise CheckFailed(f"crop {h}x{w} larger than {H}x{W}")
    t, l = int(round((H - h) / 2.0)), int(round((W - w) / 2.0))
    return np.ascontiguousarray(x[:, t:t + h, l:l + w])


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    try:
        if cmd == "slice":
            x = load(args[0])
            np.save(args[1], np.ascontiguousarray(x[int(args[2]):int(args[3])]))
        elif cmd == "crop":
            np.save(args[1], center_crop(load(args[0]), int(args[2]), int(args[3])))
        elif cmd == "exact":
            assert_bit_exact(load(args[0]), load(args[1]), args[2] if len(args) > 2 else args[0])
        elif cmd == "close":
            rel = float(args[2]) if len(args) > 2 else 1e-4
            assert_close(load(args[0]), load(args[1]), rel, args[3] if len(args) > 3 else args[0])
        elif cmd == "argmax":
            assert_argmax_equal(load(args[0]), load(args[1]), args[2] if len(args) > 2 else args[0])
        elif cmd == "correct":
            assert_correct(load(args[0]), load(args[1]), int(args[2]), args[3] if len(args) > 3 else args[0])
        else:
            print(f"common.py: unknown command {cmd}", file=sys.stderr)
            return 2
    except CheckFailed as e:
        print(f"FAIL {e}")
        return 1
    except (IndexError, ValueError) as e:
        print(f"common.py {cmd}: bad arguments {args}: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
