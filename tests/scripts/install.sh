#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install and link, as a user of the library would: `cmake --install BUILD --prefix P`, then
#  - P holds the tool, libdlakit.so.0 (SONAME from the major version) and libdlakit.a, dlakit.h,
#    dlakit.pc and the CMake package; `P/bin/dlakit --version` prints the header's version;
#  - the shared library exports exactly the DLK_API functions of dlakit.h, nothing else;
#  - tests/install/consumer.c, built against P with pkg-config and with find_package (shared and
#    static), gives on the MNIST float, QDQ and QOperator models the scores `dlakit run` gives for
#    the same input, bit for bit;
#  - examples/classify.c, built against P with pkg-config and with find_package, prints what
#    `dlakit classify` prints (the same top-5, probabilities and names) for an MNIST digit with the
#    QDQ model and a photo with the zoo's 224 x 224 int8 model (ImageNet names);
#  - the Python package, imported from P/lib/python3/dist-packages, passes tests/python (Model.run
#    gives `dlakit run`'s scores bit for bit, and the rest against the tool).
# Environment as engine_lib.sh, plus BUILD (the build tree to install).
. "$(dirname "$0")/engine_lib.sh"
: "${BUILD:?BUILD not set (run through ctest)}"
P=$TMP/prefix
cmake --install "$BUILD" --prefix "$P" >"$TMP/install.log" 2>&1 || { cat "$TMP/install.log"; exit 1; }
LIBDIR=$(dirname "$(find "$P" -name 'libdlakit.so.0' | head -1)")
[ -n "$LIBDIR" ] || { echo "FAIL no libdlakit.so.0 under $P"; exit 1; }
for f in bin/dlakit include/dlakit.h include/dlakit/image.h include/dlakit/classify.h include/dlakit/quantize.h include/dlakit/analyze.h; do [ -f "$P/$f" ] || fail "missing $P/$f"; done
for f in libdlakit.a pkgconfig/dlakit.pc cmake/dlakit/dlakitConfig.cmake cmake/dlakit/dlakitConfigVersion.cmake; do
  [ -f "$LIBDIR/$f" ] || fail "missing $LIBDIR/$f"
done
soname=$(readelf -d "$LIBDIR/libdlakit.so.0" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libdlakit.so.0 ] && echo "ok SONAME $soname" || fail "SONAME '$soname', expected libdlakit.so.0"
ver=$(sed -n 's/^#define DLK_VERSION "\(.*\)"/\1/p' "$SRC/include/dlakit.h")
got=$("$P/bin/dlakit" --version)
[ "$got" = "dlakit $ver" ] && echo "ok $got" || fail "dlakit --version printed '$got', expected 'dlakit $ver'"

# exported symbols == the header's DLK_API functions
cat "$SRC/include/dlakit.h" "$SRC"/include/dlakit/*.h | sed -n 's/^DLK_API [^(]*[ *]\([a-z_0-9]*\)(.*/\1/p' | sort >"$TMP/api.txt"
nm -D --defined-only "$LIBDIR/libdlakit.so.0" | awk '{print $3}' | sort >"$TMP/exported.txt"
if diff "$TMP/api.txt" "$TMP/exported.txt" >"$TMP/sym.diff"; then
  echo "ok libdlakit.so.0 exports the $(wc -l <"$TMP/api.txt") functions of dlakit.h and dlakit/*.h and nothing else"
else
  fail "exported symbols differ from dlakit.h's DLK_API functions (< header only, > exported only):"
  sed 's/^/     /' "$TMP/sym.diff" | head -20
fi

# build the consumer three ways
CC=${CC:-cc}
export PKG_CONFIG_PATH=$LIBDIR/pkgconfig
# shellcheck disable=SC2046
$CC -std=c11 -Wall -Wextra -Werror "$SRC/tests/install/consumer.c" -o "$TMP/consumer_pc" \
  $(pkg-config --cflags --libs dlakit) -Wl,-rpath,"$LIBDIR" || fail "consumer.c did not build with pkg-config"
cmake -S "$SRC/tests/install" -B "$TMP/cb" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_BUILD_RPATH="$LIBDIR" >"$TMP/cb.log" 2>&1 &&
  cmake --build "$TMP/cb" >>"$TMP/cb.log" 2>&1 || { cat "$TMP/cb.log"; fail "consumer did not build with find_package"; }
readelf -d "$TMP/cb/consumer" 2>/dev/null | grep -q 'NEEDED.*libdlakit.so.0' && echo "ok find_package's dlakit::dlakit links libdlakit.so.0" ||
  fail "the find_package consumer does not link libdlakit.so.0"
readelf -d "$TMP/cb/consumer_static" 2>/dev/null | grep -q 'libdlakit' && fail "consumer_static links a shared libdlakit" ||
  echo "ok dlakit::dlakit_static links libdlakit.a"

for m in dla46c_mnist_64.onnx dla46c_mnist_64_qdq_int8.onnx dla46c_mnist_64_qop_int8.onnx; do
  model=$MNIST_MODELS/$m
  first=
  for c in "$TMP/consumer_pc" "$TMP/cb/consumer" "$TMP/cb/consumer_static"; do
    [ -x "$c" ] || continue
    tag=$(basename "$c")
    if ! "$c" "$model" 64 64 "$TMP/$tag.in.f32" "$TMP/$tag.out.f32" >"$TMP/$tag.txt"; then fail "$tag $m"; continue; fi
    grep -qx "version $ver" "$TMP/$tag.txt" || fail "$tag: dlk_version() is not $ver"
    if [ -z "$first" ]; then
      first=$tag
      $PY - "$TMP/$tag.in.f32" "$TMP/x.npy" <<'PYEOF'
import sys, numpy as np
np.save(sys.argv[2], np.fromfile(sys.argv[1], dtype=np.float32).reshape(1, 3, 64, 64))
PYEOF
      if run_ok "$TMP/ref.npy" run "$model" --input-npy "$TMP/x.npy" -o "$TMP/ref.npy"; then
        $PY - "$TMP/ref.npy" "$TMP/$tag.out.f32" "$m $tag" <<'PYEOF' || FAILS=$((FAILS + 1))
import sys, numpy as np
ref = np.load(sys.argv[1]).reshape(-1)
got = np.fromfile(sys.argv[2], dtype=np.float32)
if ref.shape != got.shape or ref.tobytes() != got.tobytes():
    print(f"FAIL {sys.argv[3]}: scores differ from dlakit run's"); sys.exit(1)
print(f"ok {sys.argv[3]}: {got.size} scores equal dlakit run's bit for bit (top-1 {int(np.argmax(got))})")
PYEOF
      else FAILS=$((FAILS + 1)); fi
    else
      cmp -s "$TMP/$first.out.f32" "$TMP/$tag.out.f32" && echo "ok $m $tag: the same bits as $first" ||
        fail "$m: $tag's scores differ from $first's"
    fi
  done
done

# examples/classify.c, the installed API alone, both ways
$CC -std=c11 -Wall -Wextra -Werror "$SRC/examples/classify.c" -o "$TMP/classify_pc" \
  $(pkg-config --cflags --libs dlakit) -Wl,-rpath,"$LIBDIR" || fail "examples/classify.c did not build with pkg-config"
cmake -S "$SRC/examples" -B "$TMP/eb" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_BUILD_RPATH="$LIBDIR" >"$TMP/eb.log" 2>&1 &&
  cmake --build "$TMP/eb" >>"$TMP/eb.log" 2>&1 || { cat "$TMP/eb.log"; fail "examples/classify.c did not build with find_package"; }
ZOO_INT8=$ZOO/dla46c_pt_224/dla46c_pt_224_qdq_int8.onnx
for pair in "$MNIST_MODELS/dla46c_mnist_64_qdq_int8.onnx $SRC/data/digits/3/$(ls "$SRC/data/digits/3" | head -1)" \
            "$ZOO_INT8 $SHARED/images/chelsea.jpg"; do
  set -- $pair
  [ -f "$1" ] || { echo "skip $1 (not here)"; continue; }
  "$DLAKIT" classify "$1" "$2" >"$TMP/want.txt" || { fail "dlakit classify $1 $2"; continue; }
  for c in "$TMP/classify_pc" "$TMP/eb/classify"; do
    if "$c" "$1" "$2" >"$TMP/got.txt" && cmp -s "$TMP/want.txt" "$TMP/got.txt"; then
      echo "ok $(basename "$c") $(basename "$1") $(basename "$2"): top-1 $(sed -n 2p "$TMP/got.txt" | awk '{print $4}'), the top-5 dlakit classify prints"
    else
      fail "$(basename "$c") $(basename "$1") $(basename "$2") differs from dlakit classify:"; diff "$TMP/want.txt" "$TMP/got.txt" | head -8
    fi
  done
done
# the Python package from the prefix (pytest when it is installed, else unittest)
PYDIR=$P/lib/python3/dist-packages
[ -f "$PYDIR/dlakit/__init__.py" ] || fail "missing $PYDIR/dlakit/__init__.py"
if $PY -c 'import pytest' 2>/dev/null; then pyrun=($PY -m pytest -q -p no:cacheprovider "$SRC/tests/python/test_dlakit.py")
else pyrun=($PY -m unittest -v test_dlakit); fi
if (cd "$SRC/tests/python" && PYTHONPATH=$PYDIR:$SRC/tests/python PREFIX=$P TMP=$TMP SRC=$SRC SHARED=$SHARED DLAKIT=$P/bin/dlakit \
    "${pyrun[@]}") >"$TMP/py.log" 2>&1; then
  echo "ok python: $(grep -cE '(ok|PASSED)$' "$TMP/py.log") tests of import dlakit from $PYDIR"; grep -E '^test_' "$TMP/py.log" | sed 's/^/   /'
else
  fail "python tests:"; tail -30 "$TMP/py.log"
fi
# pip install of python/ (offline, where pip exists), with the library named by DLAKIT_LIBRARY
pyver=$(sed -n 's/^version = "\(.*\)"/\1/p' "$SRC/python/pyproject.toml")
[ "$pyver" = "$ver" ] && echo "ok python/pyproject.toml's version is $ver" || fail "python/pyproject.toml says $pyver, dlakit.h $ver"
if $PY -m pip --version >/dev/null 2>&1; then
  cp -r "$SRC/python" "$TMP/pysrc"
  if $PY -m pip install -q --no-build-isolation --no-index --no-deps --target "$TMP/pip" "$TMP/pysrc" >"$TMP/pip.log" 2>&1 &&
     got=$(cd "$TMP" && PYTHONPATH=$TMP/pip DLAKIT_LIBRARY=$LIBDIR/libdlakit.so.0 $PY -c 'import dlakit; print(dlakit.__file__, dlakit.__version__)') &&
     [ "$got" = "$TMP/pip/dlakit/__init__.py $ver" ]; then echo "ok pip install python/ offline: import dlakit $ver"
  else fail "pip install python/: ${got:-}"; tail -5 "$TMP/pip.log"; fi
else echo "skip pip install (no pip)"; fi
finish
