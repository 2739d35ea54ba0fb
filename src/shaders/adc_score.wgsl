// ADC scores of the probed inverted lists, written out for a separate top-k pass (kernel topk_select on
// pairs). No barriers (on CPU drivers a barrier makes the whole shader markedly slower). One workgroup per
// (query, probe); the query's candidates are laid end to end in a region of `cap` entries: probe p's list
// starts after the lengths of probes 0..p-1. Each entry is a pair (key, pos): tk_key of the score and the
// vector's database position; the region's tail is padding (0, 0xffffffff).
//   ip: coarse[q][p] + sum_j lut[q][j][b_j]
//   l2: coarse[q][p] + sum_j (l2Term[l][j][b_j] - 2 lut[q][j][b_j])
override M: u32 = 8u;          // sub-quantizers
override BITS: u32 = 8u;       // bits per code (8 or 4)
override METRIC_L2: u32 = 0u;  // 0: inner product (largest first), 1: squared L2 (smallest first)

struct Params { nq: u32, nprobe: u32, nlist: u32, cap: u32, q0: u32, _p0: u32, _p1: u32, _p2: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> lut: array<f32>;
@group(0) @binding(2) var<storage, read> probes: array<i32>;
@group(0) @binding(3) var<storage, read> coarse: array<f32>;
@group(0) @binding(4) var<storage, read> listOffsets: array<u32>;
@group(0) @binding(5) var<storage, read> codes: array<u32>;
@group(0) @binding(6) var<storage, read> l2Term: array<f32>;
@group(0) @binding(7) var<storage, read_write> outKeys: array<u32>;
@group(0) @binding(8) var<storage, read_write> outPos: array<u32>;

/** Order-preserving key of a score: larger key = better (see topk_common.wgsl). */
fn score_key(v: f32, largest: bool) -> u32 {
  var u = bitcast<u32>(v);
  if ((u & 0x7fffffffu) > 0x7f800000u) { return 0u; }
  if (u == 0x80000000u) { u = 0u; }
  var o = select(u | 0x80000000u, ~u, (u & 0x80000000u) != 0u);
  if (!largest) { o = ~o; }
  return o;
}

fn list_len(l: i32) -> u32 {
  if (l < 0 || u32(l) >= params.nlist) { return 0u; }
  return listOffsets[l + 1] - listOffsets[l];
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = wid.x + wid.y * nwg.x;
  if (g >= params.nq * params.nprobe) { return; }
  let ql = g / params.nprobe;       // query within this chunk
  let p = g % params.nprobe;
  let q = params.q0 + ql;
  let pb = q * params.nprobe;
  var off = 0u;
  for (var i = 0u; i < p; i++) { off += list_len(probes[pb + i]); }
  let l = probes[pb + p];
  let len = list_len(l);
  let region = ql * params.cap;
  let ksub = 1u << BITS;
  let cpw = 32u / BITS;
  let wpv = ((M * BITS + 7u) / 8u + 3u) / 4u;
  let lutBase = q * M * ksub;
  let largest = METRIC_L2 == 0u;
  if (len > 0u) {
    let start = listOffsets[l];
    let termBase = u32(l) * M * ksub;
    let c0 = coarse[pb + p];
    let lim = min(len, params.cap - min(off, params.cap));
    for (var i = lid; i < lim; i += 64u) {
      let v = start + i;
      let base = v * wpv;
      var s = c0;
      for (var w = 0u; w < wpv; w++) {
        let word = codes[base + w];
        for (var t = 0u; t < cpw; t++) {
          let j = w * cpw + t;
          if (j < M) {
            let o = j * ksub + ((word >> (t * BITS)) & (ksub - 1u));
            if (METRIC_L2 != 0u) { s += l2Term[termBase + o] - 2.0 * lut[lutBase + o]; } else { s += lut[lutBase + o]; }
          }
        }
      }
      outKeys[region + off + i] = score_key(s, largest);
      outPos[region + off + i] = v;
    }
  }
  if (p == params.nprobe - 1u) {
    for (var i = off + len + lid; i < params.cap; i += 64u) {
      outKeys[region + i] = 0u;
      outPos[region + i] = 0xffffffffu;
    }
  }
}
