#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Comparisons for the image e2e tests (run with $PY: Debian python3 with numpy and PIL).

  image_compare.py same A.npy B.npy LABEL           exact equality, per item counts
  image_compare.py jpeg DLAKIT IMAGE.jpg TMPDIR      dlakit's decoding vs Pillow's, and the 224
                                                     evaluation crop vs Pillow + timm's rules
  image_compare.py random DLAKIT TMPDIR SEED COUNT   random images, sizes, filters, aspect modes
                                                     vs a reference written on Pillow here
  image_compare.py float DLAKIT IMAGE TMPDIR         --float output vs the float32 formula

Exit status 0 when everything is equal, 1 otherwise; counts are printed either way.
"""
import math
import os
import subprocess
import sys

import numpy as np
from PIL import Image

FILTERS = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print("FAILED:", " ".join(cmd), "\n", r.stdout, r.stderr)
        sys.exit(1)
    return r.stdout


def report(label, got, ref):
    if got.shape != ref.shape:
        print(f"{label}: shape {got.shape} != reference {ref.shape}")
        return False
    eq = int((got == ref).sum())
    items = [bool((got[i] == ref[i]).all()) for i in range(got.shape[0])] if got.ndim == 4 else [eq == got.size]
    print(f"{label}: {eq} of {got.size} bytes equal, {sum(items)} of {len(items)} images identical"
          + ("" if eq == got.size else f", max abs diff {int(np.abs(got.astype(int) - ref.astype(int)).max())}"))
    return eq == got.size


# --- the reference pipeline (timm transforms_imagenet_eval / torchvision on a PIL image) -------

def center_crop(im, H, W):
    """torchvision CenterCrop: zero padding when needed, then top = int(round((h - H) / 2))."""
    w, h = im.size
    if W > w or H > h:
        pad_l = (W - w) // 2 if W > w else 0
        pad_t = (H - h) // 2 if H > h else 0
        nw, nh = max(w, W), max(h, H)
        canvas = Image.new("RGB", (nw, nh))
        canvas.paste(im, (pad_l, pad_t))
        im, w, h = canvas, nw, nh
    top = int(round((h - H) / 2.0))
    left = int(round((w - W) / 2.0))
    return im.crop((left, top, left + W, top + H))


def reference(im, H, W, filt, crop_pct, aspect):
    f = FILTERS[filt]
    w, h = im.size
    if aspect == "fit":
        return im.resize((W, H), f)
    if aspect == "pad":
        ratio = max(h / H, w / W)
        nh, nw = min(H, max(1, round(h / ratio))), min(W, max(1, round(w / ratio)))
        r = im.resize((nw, nh), f)
        canvas = Image.new("RGB", (W, H))
        canvas.paste(r, ((W - nw) // 2, (H - nh) // 2))
        return canvas
    if H == W:
        s = math.floor(H / crop_pct)
        short, long = (w, h) if w <= h else (h, w)
        new_long = int(s * long / short)
        nw, nh = (s, new_long) if w <= h else (new_long, s)
    else:
        th, tw = math.floor(H / crop_pct), math.floor(W / crop_pct)
        ratio = min(h / th, w / tw)
        nh, nw = round(h / ratio), round(w / ratio)
    r = im.resize((nw, nh), f)
    return center_crop(r, H, W)


def random_image(rng, w, h):
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([np.sin(x / (3 + 5 * c) + y / (4 + 3 * c)) for c in range(3)], -1) * 100 + 128
    noise = rng.normal(0, 40, (h, w, 3))
    a = np.clip(base + noise, 0, 255).astype(np.uint8)
    # sharp edges and saturated blocks (bicubic overshoot, clamping)
    a[h // 3: h // 2, :, :] = 255
    a[:, w // 4: w // 3, 1] = 0
    return Image.fromarray(a, "RGB")


def cmd_random(dlakit, tmp, seed, count):
    rng = np.random.default_rng(seed)
    ok = 0
    total_bytes = equal_bytes = 0
    for i in range(count):
        if i % 10 == 0:
            w, h = int(rng.integers(300, 700)), int(rng.integers(200, 500))
        else:
            w, h = int(rng.integers(1, 90)), int(rng.integers(1, 90))
        im = random_image(rng, w, h)
        path = os.path.join(tmp, f"r{i}.png")
        im.save(path)
        H, W = int(rng.integers(1, 70)), int(rng.integers(1, 70))
        if rng.random() < 0.4:
            W = H
        filt = ["nearest", "bilinear", "bicubic"][int(rng.integers(0, 3))]
        aspect = ["crop", "crop", "fit", "pad"][int(rng.integers(0, 4))]
        crop_pct = [0.875, 0.875, 1.0, 0.95, 1.15][int(rng.integers(0, 5))]
        if math.floor(min(H, W) / crop_pct) == 0:
            crop_pct = 1.0  # timm would divide by zero (dlakit refuses it)
        out = os.path.join(tmp, f"r{i}.npy")
        run([dlakit, "preprocess", path, "--size", f"{H}x{W}", "--resize", filt, "--aspect", aspect,
             "--crop-pct", repr(crop_pct), "-o", out])
        got = np.load(out)[0]
        ref = np.asarray(reference(im, H, W, filt, crop_pct, aspect))
        eq = got.shape == ref.shape and bool((got == ref).all())
        total_bytes += ref.size
        equal_bytes += int((got == ref).sum()) if got.shape == ref.shape else 0
        if eq:
            ok += 1
        else:
            print(f"MISMATCH case {i}: {w}x{h} -> {W}x{H} {filt} {aspect} crop_pct {crop_pct}")
        os.remove(out)
        os.remove(path)
    print(f"random: {ok} of {count} cases identical to the Pillow reference, {equal_bytes} of {total_bytes} bytes equal")
    return ok == count


def cmd_jpeg(dlakit, jpg, tmp):
    im = Image.open(jpg).convert("RGB")
    w, h = im.size
    out = os.path.join(tmp, "jpeg_full.npy")
    run([dlakit, "preprocess", jpg, "--size", f"{h}x{w}", "--aspect", "fit", "-o", out])
    a = report(f"{os.path.basename(jpg)} decoded ({w}x{h}) vs Pillow", np.load(out), np.asarray(im)[None])
    out2 = os.path.join(tmp, "jpeg_224.npy")
    run([dlakit, "preprocess", jpg, "--size", "224", "-o", out2])
    b = report(f"{os.path.basename(jpg)} at 224 vs Pillow + timm", np.load(out2),
               np.asarray(reference(im, 224, 224, "bicubic", 0.875, "crop"))[None])
    return a and b


def cmd_float(dlakit, image, tmp):
    u8p, fp = os.path.join(tmp, "u8.npy"), os.path.join(tmp, "f.npy")
    run([dlakit, "preprocess", image, "--size", "64", "-o", u8p])
    run([dlakit, "preprocess", image, "--size", "64", "--float", "-o", fp])
    u8 = np.load(u8p)
    mean = np.array([0.485, 0.456, 0.406], np.float32)
    std = np.array([0.229, 0.224, 0.225], np.float32)
    # x = f32(f32(u8 / 255) - mean) / std, as shared/tools/ort/run.mjs computes it
    ref = ((u8.astype(np.float64) / 255).astype(np.float32) - mean) / std
    ref = ref.transpose(0, 3, 1, 2).astype(np.float32)
    got = np.load(fp)
    ok = got.dtype == np.float32 and got.shape == ref.shape and bool((got.view(np.uint32) == ref.view(np.uint32)).all())
    print(f"float: {int((got == ref).sum()) if got.shape == ref.shape else 0} of {ref.size} values bit-identical")
    run([dlakit, "preprocess", image, "--size", "64", "--float", "--scale", "0.5", "--offset", "-3", "--bgr", "-o", fp])
    ref2 = (u8[..., ::-1].astype(np.float32) * np.float32(0.5) + np.float32(-3)).transpose(0, 3, 1, 2)
    got2 = np.load(fp)
    ok2 = got2.shape == ref2.shape and bool((got2 == ref2).all())
    print(f"float scale/offset/bgr: {'identical' if ok2 else 'DIFFERENT'}")
    return ok and ok2


def main():
    mode = sys.argv[1]
    if mode == "same":
        ok = report(sys.argv[4], np.load(sys.argv[2]), np.load(sys.argv[3]))
    elif mode == "jpeg":
        ok = cmd_jpeg(sys.argv[2], sys.argv[3], sys.argv[4])
    elif mode == "random":
        ok = cmd_random(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif mode == "float":
        ok = cmd_float(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        print("unknown mode", mode)
        ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
