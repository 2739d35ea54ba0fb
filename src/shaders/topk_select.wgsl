// Top-K per row, one workgroup per (row, chunk of columns), with the streaming selection of lib/select.wgsl;
// inputs and outputs as lib/topk_rows.wgsl describes.
// A chunk is selected in rounds (rounds != 0: tk_round, tk_offer, tk_finish) or in barrier-free scans
// (tk_prefilter when pre > 0, then tk_hold4 / tk_rescan), where each invocation reads four columns per step:
// with vec4 (rows start on 16-byte boundaries: n % 4 == 0) four neighbours through the vec4 views of the
// inputs, else four columns WG apart.
#include "lib/grid.wgsl"
#include "lib/select.wgsl"
#include "lib/topk_rows.wgsl"

@compute @workgroup_size(WG)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let g = grid_group(grid);
  if (g >= params.rows * params.nchunks) { return; }
  let part = row_part(g);
  let begin = part.begin;
  let end = part.end;
  let rowBase = part.rowBase;
  let largest = params.largest != 0u;
  tk_init(lid);
  var kept = 0u;
  if (params.rounds != 0u) {
    for (var c0 = begin; c0 < end; c0 += WG * PER) {
      tk_round(lid);
      let tk = thrKey;
      let tp = thrPos;
      for (var r = 0u; r < PER; r++) {
        let c = c0 + r * WG + lid;
        if (c < end) {
          if (params.inPairs != 0u) {
            tk_offer(inKeys[rowBase + c], inPos[rowBase + c], tk, tp);
          } else {
            tk_offer(tk_key(bitcast<f32>(inKeys[rowBase + c]), largest), c, tk, tp);
          }
        }
      }
    }
    kept = tk_finish(lid);
  } else {
    let step = WG * 4u;
    let first = first_col(begin, lid);
    if (params.pre != 0u) {
      let preEnd = min(end, begin + params.pre);
      var best = vec4<u32>(0u);
      for (var c = first; c < preEnd; c += step) {
        let cd = load4(rowBase, c, preEnd, largest);
        best = max(best, select(vec4<u32>(0u), cd.keys, cd.live));
      }
      tk_prefilter(lid, best);
    }
    tk_scan_init(lid);
    var held = TkHeld(vec4<u32>(0u), vec4<u32>(0u), 0u);
    var c = first;
    loop {
      let tk = thrKey;
      let tp = thrPos;
      for (; c < end; c += step) {
        let cd = load4(rowBase, c, end, largest);
        let take = tk_beats4(cd.keys, cd.pos, cd.live, tk, tp);
        if (any(take) && !tk_hold4(&held, cd.keys, cd.pos, take)) { tk_stall(); break; }
      }
      if (!tk_rescan(lid, &held)) { break; }
    }
    kept = tkKept;
  }

  write_out(g, part.row, kept, largest, lid);
}
