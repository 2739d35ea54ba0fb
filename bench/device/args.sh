# Sourced by faiss.sh and run.sh: parses [--local] [--out DIR] (DIR defaults to $OUT) into $mode and $out.
# $me names the calling script in messages.
mode=device out="${OUT:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --local) mode=local; shift ;;
    --out) out=$2; shift 2 ;;
    *) echo "$me: unknown argument $1 (usage: $me [--local] [--out DIR])" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || { echo "$me: no output folder: set OUT or pass --out DIR" >&2; exit 2; }
