# SPDX-License-Identifier: Apache-2.0
"""dlakit: DLA image classifiers, from Python (ctypes over libdlakit.so.0; numpy in and out).

    import dlakit
    m = dlakit.Model("model.onnx")
    scores = m.run(images_u8_nhwc)          # float32 [N, classes], as `dlakit run --images-npy`
    m.classify("cat.jpg", top=5)            # [(class, probability, name), ...]
    x = dlakit.preprocess("cat.jpg", 224)   # uint8 224 x 224 x 3, as `dlakit preprocess`

Every failure raises dlakit.Error with the library's message (naming the file and the problem).
"""
import ctypes
import os

import numpy as np

__all__ = ["Error", "Model", "preprocess", "quantize", "compile", "analyze", "version", "__version__"]


class Error(Exception):
    """A dlakit failure; str(e) is the library's message."""


def _load_library():
    names = []
    if os.environ.get("DLAKIT_LIBRARY"):
        names.append(os.environ["DLAKIT_LIBRARY"])
    try:
        from . import _libpath  # written by cmake --install: the library's folder, relative to here

        d = _libpath.LIBDIR
        if not os.path.isabs(d):
            d = os.path.join(os.path.dirname(os.path.abspath(__file__)), d)
        names.append(os.path.join(d, "libdlakit.so.0"))
    except ImportError:
        pass
    names.append("libdlakit.so.0")  # the system's loader path
    tried = []
    for n in names:
        try:
            return ctypes.CDLL(n)
        except OSError as e:
            tried.append(str(e))
    raise ImportError("dlakit: cannot load libdlakit.so.0 (" + "; ".join(tried) + ")")


_lib = _load_library()
_MAX_DIMS = 8


class _Err(ctypes.Structure):
    _fields_ = [("msg", ctypes.c_char * 512)]


class _Shape(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_int), ("ndim", ctypes.c_int), ("dims", ctypes.c_int64 * _MAX_DIMS)]


class _PreOpts(ctypes.Structure):
    _fields_ = [("h", ctypes.c_int), ("w", ctypes.c_int), ("filter", ctypes.c_int), ("crop_pct", ctypes.c_double),
                ("aspect", ctypes.c_int), ("use_scale", ctypes.c_int), ("scale", ctypes.c_float),
                ("offset", ctypes.c_float), ("mean", ctypes.c_float * 3), ("std", ctypes.c_float * 3),
                ("bgr", ctypes.c_int)]


class _QuantOpts(ctypes.Structure):
    _fields_ = [("method", ctypes.c_int), ("qop", ctypes.c_int), ("per_tensor", ctypes.c_int),
                ("symmetric_act", ctypes.c_int), ("uint8_act", ctypes.c_int),
                ("exclude", ctypes.POINTER(ctypes.c_char_p)), ("n_exclude", ctypes.c_int),
                ("percentile", ctypes.c_double), ("num_bins", ctypes.c_int), ("num_quantized_bins", ctypes.c_int)]


_PROGRESS = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64)


class _QuantizeOpts(ctypes.Structure):
    _fields_ = [("q", _QuantOpts), ("calib_dir", ctypes.c_char_p), ("calib_npy", ctypes.c_char_p),
                ("calib_idx_images", ctypes.c_char_p), ("calib_idx_labels", ctypes.c_char_p),
                ("calib_indices", ctypes.c_char_p), ("calib_count", ctypes.c_int64),
                ("calib_fraction", ctypes.c_double), ("calib_flip", ctypes.c_int),
                ("threads", ctypes.c_int), ("pre", ctypes.POINTER(_PreOpts)), ("report", ctypes.c_char_p),
                ("report_json", ctypes.c_int), ("progress", _PROGRESS), ("user", ctypes.c_void_p)]


class _QuantizeResult(ctypes.Structure):
    _fields_ = [("calibration_images", ctypes.c_int64), ("calib_skipped", ctypes.c_int), ("nodes", ctypes.c_int),
                ("qdq_nodes", ctypes.c_int),
                ("bytes", ctypes.c_size_t)]


class _Totals(ctypes.Structure):
    _fields_ = [("int8", ctypes.c_int), ("in_h", ctypes.c_int), ("in_w", ctypes.c_int), ("classes", ctypes.c_int),
                ("layers", ctypes.c_int), ("macs", ctypes.c_int64), ("params", ctypes.c_int64),
                ("weights_bytes", ctypes.c_size_t), ("int8_weight_bytes", ctypes.c_size_t),
                ("peak_ram_bytes", ctypes.c_size_t), ("lower_bound_bytes", ctypes.c_size_t),
                ("scratch_bytes", ctypes.c_size_t)]


class _Layer(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("op", ctypes.c_char_p), ("shape", _Shape), ("macs", ctypes.c_int64),
                ("params", ctypes.c_int64), ("weights_bytes", ctypes.c_size_t), ("activation_bytes", ctypes.c_size_t),
                ("live_bytes", ctypes.c_size_t), ("in_place", ctypes.c_int), ("concat_slices", ctypes.c_int)]


_P = ctypes.c_void_p
_E = ctypes.POINTER(_Err)
_U8 = ctypes.POINTER(ctypes.c_uint8)


def _fn(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_version = _fn("dlk_version", ctypes.c_char_p)
_model_load = _fn("dlk_model_load_ex", _P, ctypes.c_char_p, ctypes.c_uint, _E)
_model_free = _fn("dlk_model_free", None, _P)
_model_num_inputs = _fn("dlk_model_num_inputs", ctypes.c_int, _P)
_model_input_shape = _fn("dlk_model_input_shape", _Shape, _P, ctypes.c_int)
_ctx_new = _fn("dlk_ctx_new", _P, _P, ctypes.POINTER(_Shape), ctypes.c_int, _E)
_ctx_free = _fn("dlk_ctx_free", None, _P)
_ctx_output = _fn("dlk_ctx_output", ctypes.c_void_p, _P, ctypes.c_int, ctypes.POINTER(_Shape))
_ctx_run = _fn("dlk_ctx_run", ctypes.c_int, _P, _E)
_ctx_set_threads = _fn("dlk_ctx_set_threads", ctypes.c_int, _P, ctypes.c_int, _E)
_ctx_set_images_u8 = _fn("dlk_ctx_set_images_u8", ctypes.c_int, _P, _U8, ctypes.c_int64, ctypes.POINTER(_PreOpts), _E)
_shape_numel = _fn("dlk_shape_numel", ctypes.c_int64, ctypes.POINTER(_Shape))
_image_open = _fn("dlk_image_open", _P, ctypes.c_char_p, _E)
_image_close = _fn("dlk_image_close", None, _P)
_pre_default = _fn("dlk_pre_opts_default", None, ctypes.POINTER(_PreOpts), ctypes.c_int, ctypes.c_int)
_preprocess_u8 = _fn("dlk_preprocess_u8", ctypes.c_int, _P, ctypes.POINTER(_PreOpts), _U8, _E)
_topk = _fn("dlk_topk", None, ctypes.POINTER(ctypes.c_float), ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_int))
_class_name = _fn("dlk_class_name", ctypes.c_char_p, _P, ctypes.c_int, ctypes.c_int)
_cl_open = _fn("dlk_classifier_open", _P, ctypes.c_char_p, ctypes.POINTER(_PreOpts), ctypes.c_uint, _E)
_cl_close = _fn("dlk_classifier_close", None, _P)
_cl_classes = _fn("dlk_classifier_classes", ctypes.c_int, _P)
_cl_pre = _fn("dlk_classifier_pre", ctypes.POINTER(_PreOpts), _P)
_cl_run = _fn("dlk_classifier_run", ctypes.POINTER(ctypes.c_float), _P, _P, _E)
_cl_run_u8 = _fn("dlk_classifier_run_u8", ctypes.POINTER(ctypes.c_float), _P, _U8, _E)
_cl_prob = _fn("dlk_classifier_probabilities", None, _P, ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_float))
_labels_open = _fn("dlk_labels_open", _P, ctypes.c_char_p, _E)
_labels_close = _fn("dlk_labels_close", None, _P)
_analyze = _fn("dlk_analyze", _P, ctypes.c_char_p, ctypes.c_int, ctypes.c_int, _E)
_analysis_totals = _fn("dlk_analysis_get_totals", None, _P, ctypes.POINTER(_Totals))
_analysis_layer = _fn("dlk_analysis_get_layer", ctypes.c_int, _P, ctypes.c_int, ctypes.POINTER(_Layer))
_analysis_free = _fn("dlk_analysis_free", None, _P)
_compile = _fn("dlk_compile", ctypes.c_int, _P, ctypes.c_char_p, ctypes.c_char_p, _E)
_quantize_default = _fn("dlk_quantize_opts_default", None, ctypes.POINTER(_QuantizeOpts))
_quantize = _fn("dlk_quantize", ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(_QuantizeOpts),
                ctypes.POINTER(_QuantizeResult), _E)


def version():
    """The library's version, "MAJOR.MINOR.PATCH"."""
    return _version().decode()


__version__ = version()


def _b(s):
    return os.fsencode(s) if s is not None else None


def _raise(err):
    raise Error(err.msg.decode("utf-8", "replace"))


def _hw(size):
    if size is None:
        return 0, 0
    if isinstance(size, int):
        return size, size
    h, w = size
    return int(h), int(w)


def _pre_opts(size=None):
    o = _PreOpts()
    h, w = _hw(size)
    _pre_default(ctypes.byref(o), h, w)
    return o


def _u8_ptr(a):
    return a.ctypes.data_as(_U8)


def preprocess(path, size=224):
    """Decodes a PNG or JPEG file and preprocesses it as the model zoo's evaluation does (bicubic
    resize of the short side to size / 0.875, center crop): uint8 H x W x 3, what `dlakit
    preprocess --size` writes for it. size: N or (H, W)."""
    o = _pre_opts(size)
    err = _Err()
    im = _image_open(_b(path), ctypes.byref(err))
    if not im:
        _raise(err)
    try:
        out = np.empty((o.h, o.w, 3), dtype=np.uint8)
        if _preprocess_u8(im, ctypes.byref(o), _u8_ptr(out), ctypes.byref(err)):
            _raise(err)
        return out
    finally:
        _image_close(im)


def _layer_dict(l):
    return {"name": l.name.decode(), "op": l.op.decode(), "shape": [l.shape.dims[i] for i in range(l.shape.ndim)],
            "macs": l.macs, "params": l.params, "weights_bytes": l.weights_bytes,
            "activation_bytes": l.activation_bytes, "live_bytes": l.live_bytes, "in_place": bool(l.in_place),
            "concat_slices": l.concat_slices}


def _with_analysis(path, size, fn):
    h, w = _hw(size)
    err = _Err()
    a = _analyze(_b(path), h, w, ctypes.byref(err))
    if not a:
        _raise(err)
    try:
        return fn(a, err)
    finally:
        _analysis_free(a)


def analyze(path, size=None):
    """The costs `dlakit analyze --json` reports: totals and "layers" (a list of dicts)."""
    def get(a, err):
        t = _Totals()
        _analysis_totals(a, ctypes.byref(t))
        d = {k: getattr(t, k) for k, _ in _Totals._fields_}
        d["int8"] = bool(t.int8)
        layers = []
        for i in range(t.layers):
            l = _Layer()
            _analysis_layer(a, i, ctypes.byref(l))
            layers.append(_layer_dict(l))
        d["layers"] = layers
        return d
    return _with_analysis(path, size, get)


def compile(path, out_dir, name="model", size=None):
    """Writes out_dir/name.c and out_dir/name.h for an int8 model (as `dlakit compile`); returns
    analyze()'s totals."""
    def run(a, err):
        if _compile(a, _b(out_dir), _b(name), ctypes.byref(err)):
            _raise(err)
        t = _Totals()
        _analysis_totals(a, ctypes.byref(t))
        return {k: getattr(t, k) for k, _ in _Totals._fields_}
    return _with_analysis(path, size, run)


_METHODS = {"minmax": 0, "percentile": 1, "entropy": 2}


def quantize(float_model, out, calib=None, calib_npy=None, calib_idx=None, calib_indices=None, calib_count=0,
             calib_fraction=0.0, calib_flip=False, method="minmax", format="qdq", per_tensor=False, symmetric_activations=False,
             uint8_activations=False, exclude=(), threads=1, size=None, report=None):
    """Quantizes float_model to int8 into out, as `dlakit quantize` does with the same options.
    Calibration: calib (a folder), calib_npy (uint8 N x H x W x 3) or calib_idx=(images, labels)
    [with calib_indices]; calib_fraction (with calib): ceil(F x N) of the folder's N images, evenly
    spaced. Returns {"calibration_images", "calib_skipped", "nodes", "qdq_nodes", "bytes"}."""
    o = _QuantizeOpts()
    _quantize_default(ctypes.byref(o))
    if method not in _METHODS or format not in ("qdq", "qop"):
        raise ValueError("method: minmax|percentile|entropy, format: qdq|qop")
    o.q.method = _METHODS[method]
    o.q.qop = format == "qop"
    o.q.per_tensor = bool(per_tensor)
    o.q.symmetric_act = bool(symmetric_activations)
    o.q.uint8_act = bool(uint8_activations)
    excl = (ctypes.c_char_p * max(1, len(exclude)))(*[_b(e) for e in exclude])
    if exclude:
        o.q.exclude = ctypes.cast(excl, ctypes.POINTER(ctypes.c_char_p))
        o.q.n_exclude = len(exclude)
    o.calib_dir = _b(calib)
    o.calib_npy = _b(calib_npy)
    if calib_idx is not None:
        o.calib_idx_images, o.calib_idx_labels = _b(calib_idx[0]), _b(calib_idx[1])
    o.calib_indices = _b(calib_indices)
    o.calib_count = int(calib_count)
    o.calib_fraction = float(calib_fraction)
    o.calib_flip = bool(calib_flip)
    o.threads = int(threads)
    pre = _pre_opts(size)
    o.pre = ctypes.pointer(pre)
    o.report = _b(report)
    res, err = _QuantizeResult(), _Err()
    if _quantize(_b(float_model), _b(out), ctypes.byref(o), ctypes.byref(res), ctypes.byref(err)):
        _raise(err)
    return {k: getattr(res, k) for k, _ in _QuantizeResult._fields_}


class Model:
    """A loaded ONNX model (float, QDQ int8 or QOperator int8)."""

    def __init__(self, path, threads=1):
        self.path = os.fspath(path)
        self.threads = int(threads)
        self._ctx = {}
        self._cl = None
        err = _Err()
        self._m = _model_load(_b(self.path), 0, ctypes.byref(err))
        if not self._m:
            _raise(err)
        if _model_num_inputs(self._m) != 1:
            self.close()
            raise Error(f"{self.path}: dlakit.Model runs models with one input")

    def close(self):
        for c in self._ctx.values():
            _ctx_free(c)
        self._ctx = {}
        if self._cl:
            _cl_close(self._cl)
            self._cl = None
        if getattr(self, "_m", None):
            _model_free(self._m)
            self._m = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _context(self, n, h, w):
        key = (n, h, w)
        if key not in self._ctx:
            s = _model_input_shape(self._m, 0)
            s.dtype, s.ndim = 1, 4
            s.dims[0], s.dims[1], s.dims[2], s.dims[3] = n, 3, h, w
            err = _Err()
            c = _ctx_new(self._m, ctypes.byref(s), 1, ctypes.byref(err))
            if not c:
                _raise(err)
            if self.threads > 1 and _ctx_set_threads(c, self.threads, ctypes.byref(err)):
                _ctx_free(c)
                _raise(err)
            self._ctx[key] = c
        return self._ctx[key]

    def run(self, images, batch=1):
        """images: uint8 N x H x W x 3 (already resized and cropped). Returns the model's output as
        float32 [N, P], normalized and run as `dlakit run --images-npy` does (the same bits)."""
        x = np.asarray(images)
        if x.dtype != np.uint8:
            raise ValueError(f"images must be uint8 (N x H x W x 3), not {x.dtype}")
        x = np.ascontiguousarray(x)
        if x.ndim == 3:
            x = x[None]
        if x.ndim != 4 or x.shape[3] != 3 or x.shape[0] < 1:
            raise ValueError("images must be uint8 N x H x W x 3")
        n, h, w = x.shape[:3]
        out = None
        err = _Err()
        for i in range(0, n, batch):
            b = min(batch, n - i)
            c = self._context(b, h, w)
            if _ctx_set_images_u8(c, _u8_ptr(x[i:i + b]), b, None, ctypes.byref(err)) or _ctx_run(c, ctypes.byref(err)):
                _raise(err)
            s = _Shape()
            y = _ctx_output(c, 0, ctypes.byref(s))
            if s.dtype != 1:
                raise Error(f"{self.path}: the output is not float32")
            k = _shape_numel(ctypes.byref(s))
            part = np.ctypeslib.as_array(ctypes.cast(y, ctypes.POINTER(ctypes.c_float)), shape=(k,)).reshape(b, -1)
            if out is None:
                out = np.empty((n, part.shape[1]), dtype=np.float32)
            out[i:i + b] = part
        return out

    def classify(self, image, top=5, size=None):
        """The top classes of one image, as `dlakit classify` ranks them: a file path (decoded and
        preprocessed as the zoo does) or a uint8 H x W x 3 array already preprocessed. Returns
        [(class, probability, name or None), ...], best first, ties by the lower class."""
        err = _Err()
        if self._cl is None:
            pre = _pre_opts(size)
            self._cl = _cl_open(_b(self.path), ctypes.byref(pre), 0, ctypes.byref(err))
            if not self._cl:
                _raise(err)
        cl = self._cl
        if isinstance(image, (str, bytes, os.PathLike)):
            im = _image_open(_b(image), ctypes.byref(err))
            if not im:
                _raise(err)
            try:
                scores = _cl_run(cl, im, ctypes.byref(err))
            finally:
                _image_close(im)
        else:
            x = np.ascontiguousarray(image)
            p = _cl_pre(cl).contents
            if x.dtype != np.uint8 or x.shape != (p.h, p.w, 3):
                raise ValueError(f"the image must be uint8 {p.h} x {p.w} x 3 (the model's input), not {x.shape}")
            scores = _cl_run_u8(cl, _u8_ptr(x), ctypes.byref(err))
        if not scores:
            _raise(err)
        n = _cl_classes(cl)
        k = min(int(top), n)
        prob = (ctypes.c_float * n)()
        _cl_prob(cl, scores, prob)
        idx = (ctypes.c_int * k)()
        _topk(scores, n, k, idx)
        res = []
        for j in range(k):
            name = _class_name(None, n, idx[j])
            res.append((idx[j], float(prob[idx[j]]), name.decode() if name else None))
        return res

    def analyze(self, size=None):
        """analyze() of this model's file."""
        return analyze(self.path, size)
