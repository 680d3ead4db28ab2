// The adapter's attainable f32 peak, as clpeak measures a GPU's: every invocation runs ITERATIONS rounds of eight
// independent vec4 multiply-adds (64 FLOPs a round) in registers, with no memory traffic but one store at the end,
// so nothing but arithmetic sets the pace. The factor and addend come from a uniform, so no compiler folds them.

override ITERATIONS: u32 = 256u;

struct Params { factor: f32, addend: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> sink: array<vec4f>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let m = vec4f(params.factor);
  let c = vec4f(params.addend);
  let x = f32(id.x) * 1e-7;
  var a0 = vec4f(x, x + 1e-3, x + 2e-3, x + 3e-3);
  var a1 = a0 + 0.1;
  var a2 = a0 + 0.2;
  var a3 = a0 + 0.3;
  var a4 = a0 + 0.4;
  var a5 = a0 + 0.5;
  var a6 = a0 + 0.6;
  var a7 = a0 + 0.7;
  for (var i = 0u; i < ITERATIONS; i++) {
    a0 = a0 * m + c;
    a1 = a1 * m + c;
    a2 = a2 * m + c;
    a3 = a3 * m + c;
    a4 = a4 * m + c;
    a5 = a5 * m + c;
    a6 = a6 * m + c;
    a7 = a7 * m + c;
  }
  sink[id.y * groups.x * 64u + id.x] = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
}
