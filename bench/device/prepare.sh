#!/usr/bin/env bash
# Builds the folder .devbench/ (git-ignored) that bench/device/run.sh needs on the GPU machine, which has no
# Node, no Vulkan loader and no network: a compressed Node binary, the built library (dist/), the `webgpu`
# package with its linux-x64 dawn.node compressed, the Vulkan loader's .deb files, and a subset of the search
# benchmark's dataset with its own exact ground truth. Run it here (x86-64, network for apt-get download),
# then carry `.devbench` in the device `run` call (see bench/device/README.md).
#
# With --faiss it also builds .devfaiss/ for bench/device/faiss.sh: the faiss-cpu wheel (pip download) and the
# same dataset subset.
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
  mkdir -p "$f/whl"
  if ! ls "$f"/whl/faiss_cpu-*.whl >/dev/null 2>&1; then
    echo "[prepare] downloading the faiss-cpu wheel for CPython 3.12 on x86-64"
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
      --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
      --platform manylinux2014_x86_64 -d "$f/whl" faiss-cpu
  fi
  rm -rf "$f/data" && mkdir -p "$f/data" && cp -r "$sub" "$f/data/"
  echo "[prepare] .devfaiss: $(( $(du -sb "$f" | cut -f1) / 1048576 )) MiB"
fi
