#!/usr/bin/env bash
# The Faiss CPU peer of the search benchmark on the GPU machine, as its own device call: Node, dawn.node and
# Faiss do not fit the 64 MiB one call can carry together. It unpacks the carried Debian Python 3.11 with
# Faiss 1.7.3 and numpy (prepare.sh --faiss), runs bench/peers/faiss_ivfpq.py on the carried dataset
# subset for each configuration with all cores, and writes $OUT/faiss-IVF<nlist>-PQ<m>x<bits>.json, which
# run.sh then hands to bench/search.mjs (--faiss-json) when they are copied into .devbench/faiss/.
# --local uses this machine's /usr/bin/python3 and its faiss, at the quick configuration of run.sh --local.
#
# Usage: bench/device/faiss.sh [--local] [--out DIR]       (DIR defaults to $OUT)
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bundle="$root/.devfaiss"
me=faiss.sh
. "$root/bench/device/args.sh"   # sets mode (device | local) and out
data=$(ls -d "$bundle"/data/*/ 2>/dev/null | head -1)
[ -n "$data" ] || { echo "faiss.sh: no dataset under $bundle/data: run bench/device/prepare.sh --faiss first and carry .devfaiss" >&2; exit 1; }
mkdir -p "$out"
exec > >(tee -a "$out/faiss.log") 2>&1

if [ "$mode" = device ]; then
  [ -f "$bundle/python.tar.xz" ] || { echo "faiss.sh: no $bundle/python.tar.xz" >&2; exit 1; }
  py=/tmp/faiss-python
  rm -rf "$py" && mkdir -p "$py" && tar -C "$py" -xJf "$bundle/python.tar.xz" || exit 1
  export LD_LIBRARY_PATH=$py/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} PYTHONHOME=$py/usr PYTHONPATH=$py/dist PYTHONNOUSERSITE=1
  python=$py/usr/bin/python3.11
  configs='IVF256,PQ32x8 IVF256,PQ64x8 IVF256,PQ64x4fs' nprobe=8,32,128 repeats=3
else
  python=/usr/bin/python3
  configs='IVF16,PQ8x4 IVF16,PQ8x4fs' nprobe=4 repeats=1
fi
threads=$(nproc)
echo "faiss.sh: $mode, $threads threads, data $(basename "$data"), load $(cat /proc/loadavg)"
status=0
for c in $configs; do
  name=$(echo "$c" | tr ',' '-')
  case "$c" in *fs) factory=$c ;; *) factory="${c}np" ;; esac   # np: no polysemous training (ADC results unchanged)
  echo "faiss.sh: $c"
  if timeout 120 "$python" "$root/bench/peers/faiss_ivfpq.py" --data "$data" --factory "$factory" --nprobe "$nprobe" \
      --threads "$threads" --repeats "$repeats" > "$out/faiss-$name.json.tmp"; then
    mv "$out/faiss-$name.json.tmp" "$out/faiss-$name.json"; tail -1 "$out/faiss-$name.json"
  else
    echo "faiss.sh: $c failed"; rm -f "$out/faiss-$name.json.tmp"; status=1
  fi
done
exit $status
