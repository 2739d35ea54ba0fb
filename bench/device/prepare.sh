#!/usr/bin/env bash
# Builds the folder .devbench/ (git-ignored) that bench/device/run.sh needs on the GPU machine, which has no
# Node, no Vulkan loader and no network: a compressed Node binary, the built library (dist/), the `webgpu`
# package with its linux-x64 dawn.node compressed, the Vulkan loader's .deb files, and a subset of the search
# benchmark's dataset with its own exact ground truth. Run it here (x86-64, network for apt-get download),
# then carry `.devbench` in the device `run` call (see bench/device/README.md).
#
# With --faiss it also builds .devfaiss/ for bench/device/faiss.sh: this machine's Debian Python with Faiss 1.7.3
# (python.tar.xz) and the same dataset subset.
#
# Usage: bench/device/prepare.sh [--data DIR] [--base N] [--queries N] [--faiss]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data="$root/../shared/data/wordnet-use-lite-512-ip"
[ -d "$data" ] || data=/work/shared/data/wordnet-use-lite-512-ip
base=8000 queries=1000 faiss=0
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    --queries) queries=$2; shift 2 ;;
    --faiss) faiss=1; shift ;;
    *) echo "prepare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ "$(uname -m)" = x86_64 ] || { echo "prepare.sh: this machine is $(uname -m); the GPU machine is x86-64 and needs x86-64 Node and dawn.node" >&2; exit 1; }
[ -f "$data/dataset.json" ] || { echo "prepare.sh: no dataset at $data (--data DIR)" >&2; exit 1; }
b="$root/.devbench"
mkdir -p "$b"
cd "$root"

echo "[prepare] building the library"
npm run build >/dev/null
rm -rf "$b/app" && mkdir -p "$b/app/node_modules/webgpu/dist/linux-x64"
cp -r dist "$b/app/dist"
w="$root/node_modules/webgpu"
cp "$w/package.json" "$w/index.js" "$b/app/node_modules/webgpu/"
xz -6 -T2 -c "$w/dist/linux-x64/dawn.node" > "$b/app/node_modules/webgpu/dist/linux-x64/dawn.node.xz"

node_bin=$(command -v node)
if [ ! -f "$b/node.xz" ] || [ "$(cat "$b/node.version" 2>/dev/null)" != "$("$node_bin" --version)" ]; then
  echo "[prepare] compressing $node_bin ($("$node_bin" --version)); this takes a minute or two"
  xz -9 -T2 -c "$node_bin" > "$b/node.xz.tmp" && mv "$b/node.xz.tmp" "$b/node.xz"
  "$node_bin" --version > "$b/node.version"
fi

if ! ls "$b"/debs/libvulkan1_*.deb >/dev/null 2>&1; then
  echo "[prepare] downloading the Vulkan loader and GL vendor-neutral dispatch packages (amd64)"
  mkdir -p "$b/debs" /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update >/dev/null
  (cd "$b/debs" && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi

sub="$b/data/$(basename "$data")-sub"
if [ ! -f "$sub/dataset.json" ] || ! grep -q "\"n_base\": $base," "$sub/dataset.json" || ! grep -q "\"n_query\": $queries," "$sub/dataset.json"; then
  echo "[prepare] writing the dataset subset ($base base, $queries queries) and its exact ground truth"
  rm -rf "$b/data" && mkdir -p "$b/data"
  /usr/bin/python3 "$root/bench/device/make-subset.py" --data "$data" --out "$sub" --base "$base" --queries "$queries"
fi

{ echo "commit $(git rev-parse HEAD)$(git diff --quiet HEAD -- src bench bin package.json || echo ' (with uncommitted changes)')"; echo "prepared $(date -u +%FT%TZ)"; } > "$b/MANIFEST"
tree_mb=$(git ls-files -z | du -c --files0-from=- -b | tail -1 | cut -f1)
bundle_mb=$(du -sb "$b" | cut -f1)
total=$(( (tree_mb + bundle_mb) / 1048576 ))
echo "[prepare] .devbench: $(( bundle_mb / 1048576 )) MiB; with the tracked tree about $total MiB travel (limit 64 MiB)"
[ "$total" -lt 64 ] || { echo "prepare.sh: over the 64 MiB a device call can carry: use a smaller --base" >&2; exit 1; }

if [ "$faiss" = 1 ]; then
  f="$root/.devfaiss"
  mkdir -p "$f"
  if [ ! -f "$f/python.tar.xz" ]; then
    # PyPI is out of reach here, so the peer travels as this machine's Debian Python 3.11 with its Faiss 1.7.3
    # (the same build as the local reference peer), numpy and the shared libraries they load (OpenBLAS with
    # OpenMP among them), unpacked on the GPU machine into a folder of its own.
    echo "[prepare] packing Debian's python3.11 with python3-faiss and python3-numpy"
    /usr/bin/python3 -c 'import faiss, numpy' || { echo "prepare.sh: /usr/bin/python3 has no faiss (bash .ci/setup-system)" >&2; exit 1; }
    p=$(mktemp -d)
    mkdir -p "$p/usr/bin" "$p/usr/lib" "$p/lib" "$p/dist"
    cp /usr/bin/python3.11 "$p/usr/bin/"
    tar -C /usr/lib --exclude=test --exclude=tests --exclude=idlelib --exclude=tkinter --exclude=ensurepip \
      --exclude=lib2to3 --exclude=__pycache__ --exclude='config-3.11*' --exclude=site-packages --exclude=dist-packages \
      -cf - python3.11 | tar -C "$p/usr/lib" -xf -
    tar -C /usr/lib/python3/dist-packages --exclude=__pycache__ --exclude=tests -cf - faiss numpy | tar -C "$p/dist" -xf -
    for l in libblas.so.3 liblapack.so.3 libgomp.so.1 libopenblas.so.0 libgfortran.so.5 libquadmath.so.0 libz.so.1 libexpat.so.1; do
      cp -L "/lib/x86_64-linux-gnu/$l" "$p/lib/"
    done
    tar -C "$p" -cf - . | xz -9 -T2 > "$f/python.tar.xz.tmp" && mv "$f/python.tar.xz.tmp" "$f/python.tar.xz"
    rm -rf "$p"
  fi
  rm -rf "$f/data" && mkdir -p "$f/data" && cp -r "$sub" "$f/data/"
  echo "[prepare] .devfaiss: $(( $(du -sb "$f" | cut -f1) / 1048576 )) MiB"
fi
