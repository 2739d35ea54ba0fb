#!/usr/bin/env bash
# The kernel and search benchmarks on the lent GPU machine (NVIDIA H200; Dawn over NVIDIA's Vulkan driver), in
# one command that ends well inside the device tool's 10 minutes, writing the results to $OUT. It needs the
# folder .devbench/ that bench/device/prepare.sh builds (carried with the call). --local runs the same steps
# here on the software GPU (lavapipe) at quick sizes, without touching the system: a check of the script.
#
# Usage: bench/device/run.sh [--local] [--out DIR]        (DIR defaults to $OUT)
# Writes: env.txt, kernels.json, kernels.txt, kernels.md, search.json, search.md, search.svg, run.log
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bundle="$root/.devbench"
me=run.sh
. "$root/bench/device/args.sh"   # sets mode (device | local) and out
for f in node.xz app/dist/index.js app/node_modules/webgpu/dist/linux-x64/dawn.node.xz MANIFEST; do
  [ -e "$bundle/$f" ] || { echo "run.sh: $bundle/$f is missing: run bench/device/prepare.sh here first and carry .devbench" >&2; exit 1; }
done
data=$(ls -d "$bundle"/data/*/ 2>/dev/null | head -1)
[ -n "$data" ] || { echo "run.sh: no dataset under $bundle/data (prepare.sh writes one)" >&2; exit 1; }
mkdir -p "$out"
exec > >(tee -a "$out/run.log") 2>&1
t_start=$(date +%s)
say() { echo "[run.sh $(( $(date +%s) - t_start ))s] $*"; }
# unxz SRC DST: xz when the machine has it, else Python's lzma module
unxz() {
  if command -v xz >/dev/null; then xz -dc "$1" > "$2"
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}

work=$(mktemp -d /tmp/dvq-device.XXXXXX)
trap 'rm -rf "$work"' EXIT
export XDG_RUNTIME_DIR="$work/xdg"; mkdir -p "$XDG_RUNTIME_DIR"

if [ "$mode" = device ]; then
  say "installing the Vulkan loader from the carried .deb files"
  for f in "$bundle"/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; fi
  egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  [ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES="$egl"
  kernels_limit=240 search_limit=150
  kernel_args=()
  search_args=(--configs 'IVF256,PQ32x8;IVF256,PQ64x8' --nprobe 8,32,128 --repeats 3)
else
  kernels_limit=300 search_limit=300
  kernel_args=(--quick)
  search_args=(--configs 'IVF16,PQ8x4' --nprobe 4 --repeats 1 --fastscan IVF16,PQ8x4fs)
fi

say "unpacking Node and the app into $work"
unxz "$bundle/node.xz" "$work/node" && chmod +x "$work/node"
node="$work/node"
app="$work/app"
mkdir -p "$app/bench"
cp -r "$bundle/app/dist" "$bundle/app/node_modules" "$root/bin" "$root/package.json" "$app/"
cp "$root"/bench/*.mjs "$app/bench/" && cp -r "$root/bench/peers" "$root/bench/device" "$app/bench/"
unxz "$app/node_modules/webgpu/dist/linux-x64/dawn.node.xz" "$app/node_modules/webgpu/dist/linux-x64/dawn.node"
rm "$app/node_modules/webgpu/dist/linux-x64/dawn.node.xz"

{
  echo "mode: $mode"; echo "date: $(date -u +%FT%TZ)"; cat "$bundle/MANIFEST"
  echo "uname: $(uname -a)"; echo "node: $("$node" --version)"; echo "cpus: $(nproc)"; echo "loadavg: $(cat /proc/loadavg)"
  echo "dataset: $(basename "$data")"; echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv
  ldconfig -p | grep -E 'libvulkan|libGLX_nvidia' || echo "no Vulkan loader found by ldconfig"
} > "$out/env.txt" 2>&1
cat "$out/env.txt"

status=0
say "kernel benchmark (limit ${kernels_limit}s)"
(cd "$app" && timeout "$kernels_limit" "$node" bin/distill-vq.js bench kernels "${kernel_args[@]}" --out "$out/kernels.json" 2> "$out/kernels.txt")
rc=$?; [ $rc -eq 0 ] || { say "kernel benchmark failed (exit $rc)"; status=1; }
grep -v '^\[distill-vq\]' "$out/kernels.txt" || true
if [ -f "$out/kernels.json" ]; then (cd "$app" && "$node" bench/device/report.mjs "$out/kernels.json" "$out/kernels.md") || status=1; fi

say "search benchmark on $(basename "$data") (limit ${search_limit}s)"
faiss_args=(--faiss auto)
if ls "$bundle"/faiss/faiss-*.json >/dev/null 2>&1; then faiss_args=(--faiss-json "$bundle/faiss"); fi
(cd "$app" && timeout "$search_limit" "$node" bench/search.mjs --data "$data" --out "$out" --fresh "${faiss_args[@]}" "${search_args[@]}")
rc=$?; [ $rc -eq 0 ] || { say "search benchmark failed (exit $rc)"; status=1; }

say "done (status $status); files in $out: $(ls "$out" | tr '\n' ' ')"
exit $status
