// Signal search on the GPU, one trial drift per dispatch, one workgroup of 256 invocations per block of N samples:
// de-chirp the block into workgroup memory in bit-reversed order, radix-2 FFT in place (the reference's order of
// butterflies), power, the block's mean by a tree reduction, every bin above threshold × mean appended to `peaks`,
// and the block's Σ √(power / mean) by another reduction into `amplitude`. f32 throughout, so sin/cos come from a
// table of 4096 exact (f64-computed) values refined by a short Taylor step: WGSL's own sin/cos may be off by 2^-11,
// more than the comparator's tolerance allows.

struct Params {
  log2n: u32,
  blocks: u32,
  capacity: u32,
  rowWidth: u32, // workgroups per row of the dispatch grid (≤ 65535)
  threshold: f32,
}

@group(0) @binding(0) var<storage, read> signal: array<vec2f>;
// Per block: x = chirp phase at the block's first sample (cycles mod 1); y + z = the linear phase step per sample
// (cycles mod 1), split so that y·i is exact in f32 (y has 12 fraction bits, i < 4096).
@group(0) @binding(1) var<storage, read> blockPhase: array<vec4f>;
// fract(drift·i²/2) for i < N, computed in f64.
@group(0) @binding(2) var<storage, read> quadratic: array<f32>;
// cos and sin of 2π·j/4096, computed in f64.
@group(0) @binding(3) var<storage, read> cisTable: array<vec2f>;
// Each peak: block, bin, bitcast<u32>(snr), unused.
@group(0) @binding(4) var<storage, read_write> peaks: array<vec4u>;
@group(0) @binding(5) var<storage, read_write> count: atomic<u32>;
@group(0) @binding(6) var<uniform> params: Params;
// Per block: Σ over its bins of √snr.
@group(0) @binding(7) var<storage, read_write> amplitude: array<f32>;

override N: u32 = 1024u;
const TABLE: u32 = 4096u;
const TAU: f32 = 6.283185307179586;

var<workgroup> re: array<f32, N>;
var<workgroup> im: array<f32, N>;
var<workgroup> partial: array<f32, 256>;

// cos and sin of 2π·cycles for cycles in [0, 1): a table entry rotated by the remainder (< 2π/4096 rad).
fn cis(cycles: f32) -> vec2f {
  let scaled = cycles * f32(TABLE);
  let j = min(u32(scaled), TABLE - 1u);
  let b = (scaled - f32(j)) * (TAU / f32(TABLE));
  let b2 = b * b;
  let cb = 1.0 - b2 * 0.5;
  let sb = b - b * b2 / 6.0;
  let t = cisTable[j];
  return vec2f(t.x * cb - t.y * sb, t.y * cb + t.x * sb);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let block = wg.y * params.rowWidth + wg.x;
  if (block >= params.blocks) { return; }
  let phase = blockPhase[block];
  for (var i = lid; i < N; i += 256u) {
    let cycles = fract(phase.x + fract(phase.y * f32(i)) + phase.z * f32(i) + quadratic[i]);
    let w = cis(cycles);
    let c = w.x;
    let s = -w.y; // angle = −2π·cycles
    let x = signal[block * N + i];
    let r = reverseBits(i) >> (32u - params.log2n);
    re[r] = x.x * c - x.y * s;
    im[r] = x.x * s + x.y * c;
  }
  workgroupBarrier();
  for (var half = 1u; half < N; half <<= 1u) {
    let stride = TABLE / (2u * half);
    for (var j = lid; j < N / 2u; j += 256u) {
      let k = j % half;
      let a = (j / half) * 2u * half + k;
      let b = a + half;
      let t = cisTable[k * stride];
      let wr = t.x;
      let wi = -t.y;
      let xr = re[b] * wr - im[b] * wi;
      let xi = re[b] * wi + im[b] * wr;
      re[b] = re[a] - xr;
      im[b] = im[a] - xi;
      re[a] = re[a] + xr;
      im[a] = im[a] + xi;
    }
    workgroupBarrier();
  }
  var sum = 0.0;
  for (var k = lid; k < N; k += 256u) { sum += re[k] * re[k] + im[k] * im[k]; }
  partial[lid] = sum;
  workgroupBarrier();
  for (var width = 128u; width > 0u; width >>= 1u) {
    if (lid < width) { partial[lid] += partial[lid + width]; }
    workgroupBarrier();
  }
  // A uniform value, so that the return below and the barriers after it stay in uniform control flow.
  let mean = workgroupUniformLoad(&partial[0]) / f32(N);
  if (mean <= 0.0) {
    if (lid == 0u) { amplitude[block] = 0.0; }
    return;
  }
  var amplitudeSum = 0.0;
  for (var k = lid; k < N; k += 256u) {
    let snr = (re[k] * re[k] + im[k] * im[k]) / mean;
    amplitudeSum += sqrt(snr);
    if (snr > params.threshold) {
      let at = atomicAdd(&count, 1u);
      if (at < params.capacity) { peaks[at] = vec4u(block, k, bitcast<u32>(snr), 0u); }
    }
  }
  workgroupBarrier(); // every invocation has read partial[0] above
  partial[lid] = amplitudeSum;
  workgroupBarrier();
  for (var width = 128u; width > 0u; width >>= 1u) {
    if (lid < width) { partial[lid] += partial[lid + width]; }
    workgroupBarrier();
  }
  if (lid == 0u) { amplitude[block] = partial[0]; }
}
