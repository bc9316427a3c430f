#!/usr/bin/env bash
# Installs Shroud into a temporary prefix and uses it as a user would: checks the installed layout,
# builds examples/c (pkg-config) and examples/cpp (find_package) OUTSIDE the source tree with
# -Wall -Wextra -Werror and ASan + UBSan, and runs them on messi5.jpg: a real protect (pixels
# change inside the faces only) and exact seal/recover round trips in memory.
#   tests/install/run.sh BUILD_DIR SOURCE_DIR       (ctest: install.examples)
set -euo pipefail
BUILD=$(cd "${1:?build dir}" && pwd)
SRC=$(cd "${2:?source dir}" && pwd)
PHOTO=/usr/share/doc/opencv-doc/examples/data/messi5.jpg
if [ ! -f "$PHOTO" ]; then
  echo "SKIP: $PHOTO missing (Debian package opencv-doc)"
  exit 77
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PREFIX=$TMP/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$BUILD" --prefix "$PREFIX" >"$TMP/install.log"

# ---- layout ----------------------------------------------------------------------------------
[ -x "$PREFIX/bin/shroud" ] || fail "no bin/shroud"
LIBDIR=$(dirname "$(find "$PREFIX" -name 'libshroud.so' -print -quit)")
[ -n "$LIBDIR" ] && [ "$LIBDIR" != . ] || fail "no libshroud.so"
[ -L "$LIBDIR/libshroud.so" ] && [ -L "$LIBDIR/libshroud.so.0" ] || fail "libshroud.so symlinks missing"
soname=$(readelf -d "$LIBDIR/libshroud.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = libshroud.so.0 ] || fail "SONAME is '$soname', expected libshroud.so.0"
[ -f "$PREFIX/include/shroud/shroud.h" ] || fail "no include/shroud/shroud.h"
# Exactly the public headers: the same list as include/shroud in the source tree, nothing from src/.
diff <(cd "$SRC/include" && find . -type f | sort) <(cd "$PREFIX/include" && find . -type f | sort) \
  || fail "installed headers differ from include/shroud"
[ -f "$PREFIX/share/shroud/policies/default.json" ] || fail "no policy presets"
[ -d "$PREFIX/share/shroud/models" ] || fail "no share/shroud/models folder"
[ -f "$LIBDIR/pkgconfig/shroud.pc" ] || fail "no shroud.pc"
[ -f "$LIBDIR/cmake/Shroud/ShroudConfig.cmake" ] || fail "no ShroudConfig.cmake"
echo "layout: bin/shroud, $(basename "$(readlink -f "$LIBDIR/libshroud.so")") (SONAME $soname), $(find "$PREFIX/include" -name '*.h' | wc -l) public headers, policies, models/, shroud.pc, ShroudConfig.cmake"

# ---- inputs ----------------------------------------------------------------------------------
"$PREFIX/bin/shroud" -q keygen "$TMP/keys.json"
"$PREFIX/bin/shroud" -q keygen "$TMP/other.json"
/usr/bin/python3 -c "import cv2, sys; cv2.imwrite(sys.argv[2], cv2.imread(sys.argv[1]))" "$PHOTO" "$TMP/messi5.ppm"
# Models: YuNet when present (the library also searches ../shared/models itself), else Haar.
if [ -z "${SHROUD_MODELS:-}" ] && [ -d "$SRC/../shared/models" ]; then export SHROUD_MODELS=$SRC/../shared/models; fi
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# ---- C through pkg-config ---------------------------------------------------------------------
mkdir -p "$TMP/c"
cp "$SRC/examples/c/protect.c" "$TMP/c/"
export PKG_CONFIG_PATH=$LIBDIR/pkgconfig
pkg-config --exists shroud || fail "pkg-config cannot find shroud"
# A clang-sanitized libshroud (C++) needs UBSan's C++ runtime, which clang's C driver leaves out.
CSAN=$SAN
CXXRT=""
if "${CC:-cc}" --version 2>/dev/null | grep -q clang; then CSAN="$SAN -fsanitize-link-c++-runtime"; CXXRT="-lstdc++"; fi
(cd "$TMP/c" && "${CC:-cc}" -std=c99 -Wall -Wextra -Werror -pedantic $CSAN protect.c $(pkg-config --cflags --libs shroud) \
   $CXXRT -Wl,-rpath,"$LIBDIR" -o protect_c)
echo "== examples/c (pkg-config) =="
"$TMP/c/protect_c" "$TMP/messi5.ppm" "$TMP/keys.json" "$TMP/other.json"

# ---- C++ through find_package -----------------------------------------------------------------
mkdir -p "$TMP/cpp"
cp "$SRC/examples/cpp/CMakeLists.txt" "$SRC/examples/cpp/protect.cc" "$TMP/cpp/"
cmake -S "$TMP/cpp" -B "$TMP/cpp/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH="$PREFIX" \
  -DCMAKE_CXX_COMPILER="${CXX:-c++}" \
  -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror $SAN" -DCMAKE_EXE_LINKER_FLAGS="$SAN" >"$TMP/cpp.log" 2>&1 \
  || { cat "$TMP/cpp.log"; fail "cmake configure of examples/cpp"; }
cmake --build "$TMP/cpp/build" >>"$TMP/cpp.log" 2>&1 || { cat "$TMP/cpp.log"; fail "build of examples/cpp"; }
echo "== examples/cpp (find_package) =="
"$TMP/cpp/build/protect_cpp" "$PHOTO" "$TMP/keys.json"
echo "install test: passed"
