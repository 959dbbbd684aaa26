#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Oracle for dlakit's percentile and entropy calibration: ONNX Runtime's calibrate.py algorithm
(HistogramCollector: collect_absolute_value + compute_percentile for the symmetric percentile
calibrator, collect_value + get_entropy_threshold for entropy; then quant_utils.compute_scale_zp),
re-done here with numpy on the model input, whose values are known exactly: the calibration images
normalized as the model zoo does (x = (u8 / 255 - mean) / std in float32). Checks the written
model's input_scale / input_zero_point.
usage: quantize_calib_oracle.py MODEL.onnx IMAGES_U8_NHWC.npy percentile|entropy [PERCENTILE|NUM_BINS NUM_QBINS]"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def model_input(u8):
    mean = np.array([0.485, 0.456, 0.406], np.float32)
    std = np.array([0.229, 0.224, 0.225], np.float32)
    x = ((u8.astype(np.float32) / np.float32(255)) - mean) / std  # float32 throughout
    return x.astype(np.float32).ravel()


def percentile_range(x, pct, num_bins=2048):
    data = np.absolute(x)
    hist, edges = np.histogram(data, bins=num_bins)
    edges = edges.astype(data.dtype)
    cdf = np.cumsum(hist / hist.sum())
    idx = np.searchsorted(cdf, pct / 100.0)
    lo, hi = -edges[idx], edges[idx]
    lo = max(lo, x.min())
    hi = min(hi, x.max())
    return np.float32(lo), np.float32(hi)


def smooth(p, eps=0.0001):
    is_zeros = (p == 0).astype(np.float32)
    is_nonzeros = (p != 0).astype(np.float32)
    n_zeros = is_zeros.sum()
    n_nonzeros = p.size - n_zeros
    if not n_nonzeros:
        return None
    eps1 = eps * float(n_zeros) / float(n_nonzeros)
    hist = p.astype(np.float32)
    hist += eps * is_zeros + (-eps1) * is_nonzeros
    return hist


def kl(p, q):  # scipy.stats.entropy(p, q)
    p = p.astype(np.float64) / p.sum()
    q = q.astype(np.float64) / q.sum()
    m = p > 0
    return float(np.sum(p[m] * np.log(p[m] / q[m])))


def entropy_range(x, num_bins, num_q):
    mn, mx = x.min(), x.max()
    th = np.array(max(abs(mn), abs(mx)), dtype=x.dtype)
    hist, edges = np.histogram(x, num_bins, range=(-th, th))
    zero = num_bins // 2
    half = num_q // 2
    kls, ths = [], []
    for i in range(half, zero + 1):
        start, end = zero - i, min(zero + i + 1, num_bins)
        ths.append((edges[start], edges[end]))
        sliced = hist[start:end].copy()
        p = sliced.copy()
        p[0] += hist[:start].sum()
        p[-1] += hist[end:].sum()
        nonzeros = (p != 0).astype(np.int64)
        qb = np.zeros(num_q, dtype=np.int64)
        merged = sliced.size // num_q
        for k in range(num_q):
            qb[k] = sliced[k * merged:(k + 1) * merged].sum()
        qb[-1] += sliced[num_q * merged:].sum()
        q = np.zeros(p.size, dtype=np.int64)
        for k in range(num_q):
            norm = nonzeros[k * merged:(k + 1) * merged].sum()
            if norm != 0:
                q[k * merged:(k + 1) * merged] = qb[k] / norm
        ps, qs = smooth(p), smooth(q)
        kls.append(float("inf") if ps is None or qs is None else kl(ps, qs))
    lo, hi = ths[int(np.argmin(kls))]
    return np.float32(max(lo, mn)), np.float32(min(hi, mx))


def scale_zp(rmin, rmax, qmin=-128, qmax=127):
    rmin = np.minimum(rmin, np.float32(0))
    rmax = np.maximum(rmax, np.float32(0))
    dr = np.array(rmax - rmin, dtype=np.float64)
    scale = dr / (np.float64(qmax) - np.float64(qmin))
    zp = int(np.round(qmin - rmin / scale))
    return np.float32(scale), zp


def main():
    model, images, method = sys.argv[1:4]
    x = model_input(np.load(images))
    if method == "percentile":
        pct = float(sys.argv[4]) if len(sys.argv) > 4 else 99.999
        rmin, rmax = percentile_range(x, pct)
        what = f"percentile {pct}"
    else:
        nb = int(sys.argv[4]) if len(sys.argv) > 4 else 128
        nq = int(sys.argv[5]) if len(sys.argv) > 5 else 128
        rmin, rmax = entropy_range(x, nb, nq)
        what = f"entropy {nb}/{nq} bins"
    s, z = scale_zp(rmin, rmax)
    init = {t.name: numpy_helper.to_array(t) for t in onnx.load(model).graph.initializer}
    got_s, got_z = init["input_scale"].item(), int(init["input_zero_point"].item())
    ok = np.float32(got_s) == s and got_z == z
    print(f"{'ok ' if ok else 'FAIL'} {what}: input range [{rmin:.7g}, {rmax:.7g}] (min {x.min():.7g}, "
          f"max {x.max():.7g}) -> scale {s:.9g} zp {z}; dlakit wrote scale {got_s:.9g} zp {got_z}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
