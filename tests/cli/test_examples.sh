#!/usr/bin/env bash
# test_examples.sh — installs libscan into a temporary root (meson install --destdir) and builds and runs
# examples/embed.c and examples/embed.cpp against it through `pkg-config libscan` only.
# Usage: test_examples.sh BUILD_ROOT SOURCE_ROOT SCAN_EXE. Prints "N passed, N failed".
set -u
build=$1 src=$2 scan=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

if meson install -C "$build" --no-rebuild --quiet --destdir "$tmp/root" >"$tmp/install.log" 2>&1; then ok; else
  cat "$tmp/install.log"; bad "meson install --destdir"; finish; fi
pc=$(find "$tmp/root" -name libscan.pc | head -n 1)
[ -n "$pc" ] && ok || { bad "libscan.pc installed"; finish; }
# The .pc file names the real prefix; inside the staging root it lives under $tmp/root.
prefix=$(sed -n 's/^prefix=//p' "$pc")
pkg() { PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$tmp/root$prefix" "$@" libscan; }
libdir=$(pkg --variable=libdir)
[ -f "$libdir/libscan.so" ] && [ -f "$(pkg --variable=includedir)/libscan.h" ] && ok || bad "library and header installed"
# Only the public API is exported: stb_image_write stays private, whatever the host links.
extra=$(nm -D --defined-only "$libdir/libscan.so" | awk '$2 ~ /[TDBRW]/ && $3 !~ /^lscan_/ {print $3}')
[ -z "$extra" ] && ok || bad "symbols outside lscan_*: $extra"

# A small model, trained here so the test does not depend on models/default.model.
export OPENBLAS_NUM_THREADS=1
if "$scan" synth --out "$tmp/d" --n 30 --seed 1 --class all --width 480 --height 240 --difficulty 0:0.3 >/dev/null 2>&1 &&
   "$scan" train --labels "$tmp/d/labels.csv" --out "$tmp/m.model" --negatives 60 >/dev/null 2>&1; then ok; else
  bad "train a model"; finish; fi

# shellcheck disable=SC2046
if cc -std=c11 -Wall -Wextra -Wpedantic -Werror "$src/examples/embed.c" $(pkg --cflags --libs) -pthread \
     -o "$tmp/embed" 2>"$tmp/cc.log"; then ok; else cat "$tmp/cc.log"; bad "embed.c builds with pkg-config"; fi
# shellcheck disable=SC2046
if c++ -std=c++17 -Wall -Wextra -Wpedantic -Werror "$src/examples/embed.cpp" $(pkg --cflags --libs) -pthread \
     -o "$tmp/embed_cpp" 2>"$tmp/cxx.log"; then ok; else cat "$tmp/cxx.log"; bad "embed.cpp builds with pkg-config"; fi

run() { LD_LIBRARY_PATH="$libdir" "$@"; }
if [ -x "$tmp/embed" ] && run "$tmp/embed" "$tmp/m.model" 8 3 >"$tmp/c.out"; then ok; else bad "embed runs"; fi
if [ -x "$tmp/embed_cpp" ] && run "$tmp/embed_cpp" "$tmp/m.model" 8 3 >"$tmp/cpp.out"; then ok; else bad "embed_cpp runs"; fi
# Same frames, same model: threads (embed.c) and the batch engine (embed.cpp) agree line for line.
[ "$(grep -c '^frame ' "$tmp/c.out")" -eq 8 ] && ok || bad "embed screened 8 frames"
if diff <(grep '^frame ' "$tmp/c.out") <(grep '^frame ' "$tmp/cpp.out") >/dev/null; then ok; else
  bad "embed.c and embed.cpp agree"; fi
# The library the examples ran against is the installed one.
if LD_DEBUG=libs LD_LIBRARY_PATH="$libdir" "$tmp/embed" "$tmp/m.model" 1 1 2>&1 >/dev/null | grep -q "$libdir/libscan.so"; then
  ok; else bad "examples load the installed libscan.so"; fi
finish
