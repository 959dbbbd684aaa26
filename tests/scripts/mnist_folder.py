#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes an ImageFolder of MNIST digits (PNG, DIR/<digit>/mnist_NNNNN.png) from the IDX files.

  mnist_folder.py IMAGES LABELS OUT_DIR (--indices F.npy | --range A:B) [--digits 5,6,7,8,9] [--per-class N]

Items are taken in the order of the indices; --per-class keeps the first N of each digit.
"""
import argparse, os
import numpy as np
from PIL import Image


def read_idx(path):
    with open(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


ap = argparse.ArgumentParser()
ap.add_argument('images'), ap.add_argument('labels'), ap.add_argument('out')
ap.add_argument('--indices'), ap.add_argument('--range')
ap.add_argument('--digits', default='0,1,2,3,4,5,6,7,8,9')
ap.add_argument('--per-class', type=int, default=0)
a = ap.parse_args()
X, Y = read_idx(a.images), read_idx(a.labels)
if a.indices:
    idx = np.load(a.indices).astype(np.int64)
else:
    lo, hi = (int(v) for v in a.range.split(':'))
    idx = np.arange(lo, hi)
digits = {int(d) for d in a.digits.split(',')}
n = 0
count = {}
for i in idx:
    d = int(Y[i])
    if d not in digits or (a.per_class and count.get(d, 0) >= a.per_class):
        continue
    count[d] = count.get(d, 0) + 1
    os.makedirs(os.path.join(a.out, str(d)), exist_ok=True)
    Image.fromarray(X[i]).save(os.path.join(a.out, str(d), 'mnist_%05d.png' % i))
    n += 1
print('%s: %d images' % (a.out, n))
