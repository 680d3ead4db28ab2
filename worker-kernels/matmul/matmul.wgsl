// Dense f32 matrix multiply C = A·B, tiled: each workgroup of 16×16 invocations computes a 64×64 tile of C, each
// invocation a 4×4 block of it, stepping through k sixteen at a time with the needed slices of A (64×16) and
// B (16×64) staged in workgroup memory. k must be a multiple of 16; m and n need not be multiples of 64 (guards).

struct Dims { m: u32, k: u32, n: u32, pad: u32 }

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;

var<workgroup> tileA: array<f32, 1024>; // 64 rows × 16, row-major
var<workgroup> tileB: array<f32, 1024>; // 16 rows × 64, row-major

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row0 = wg.y * 64u;
  let col0 = wg.x * 64u;
  let t = lid.y * 16u + lid.x;
  var acc: array<f32, 16>;
  for (var p0 = 0u; p0 < dims.k; p0 += 16u) {
    for (var e = 0u; e < 4u; e++) {
      let idx = t + e * 256u;
      let ar = row0 + idx / 16u;
      var av = 0.0;
      if (ar < dims.m) { av = a[ar * dims.k + p0 + idx % 16u]; }
      tileA[idx] = av;
      let bc = col0 + idx % 64u;
      var bv = 0.0;
      if (bc < dims.n) { bv = b[(p0 + idx / 64u) * dims.n + bc]; }
      tileB[idx] = bv;
    }
    workgroupBarrier();
    for (var p = 0u; p < 16u; p++) {
      var av: array<f32, 4>;
      var bv: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        av[i] = tileA[(lid.y * 4u + i) * 16u + p];
        bv[i] = tileB[p * 64u + lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i * 4u + j] += av[i] * bv[j]; }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let row = row0 + lid.y * 4u + i;
    for (var j = 0u; j < 4u; j++) {
      let col = col0 + lid.x * 4u + j;
      if (row < dims.m && col < dims.n) { c[row * dims.n + col] = acc[i * 4u + j]; }
    }
  }
}
