#!/usr/bin/env bash
# The Faiss CPU peer of the search benchmark on the GPU machine, as its own device call: Node, dawn.node and a
# Faiss wheel do not fit the 64 MiB one call can carry together. It installs the carried faiss-cpu wheel
# (the machine's Python has numpy and packaging), runs bench/peers/faiss_ivfpq.py on the carried dataset
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
  python=python3
  ls "$bundle"/whl/*.whl >/dev/null 2>&1 || { echo "faiss.sh: no wheel under $bundle/whl" >&2; exit 1; }
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/faiss-site "$bundle"/whl/*.whl || exit 1
  export PYTHONPATH=/tmp/faiss-site${PYTHONPATH:+:$PYTHONPATH}
  configs='IVF256,PQ32x8 IVF256,PQ64x8' nprobe=8,32,128 repeats=3
else
  python=/usr/bin/python3
  configs='IVF16,PQ8x4' nprobe=4 repeats=1
fi
threads=$(nproc)
echo "faiss.sh: $mode, $threads threads, data $(basename "$data"), load $(cat /proc/loadavg)"
status=0
for c in $configs; do
  name=$(echo "$c" | tr ',' '-')
  echo "faiss.sh: $c"
  if timeout 120 "$python" "$root/bench/peers/faiss_ivfpq.py" --data "$data" --factory "${c}np" --nprobe "$nprobe" \
      --threads "$threads" --repeats "$repeats" > "$out/faiss-$name.json.tmp"; then
    mv "$out/faiss-$name.json.tmp" "$out/faiss-$name.json"; tail -1 "$out/faiss-$name.json"
  else
    echo "faiss.sh: $c failed"; rm -f "$out/faiss-$name.json.tmp"; status=1
  fi
done
exit $status
