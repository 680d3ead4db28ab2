// prime-count.wgsl: the WGSL version of the example app (docs/apps.md), giving the same 8 output bytes as its
// WebAssembly module: the count of primes in [start, end) and the largest of them (0 when there is none).
// Each invocation tests every (invocations)-th number of the range; the results meet in two atomics.

struct Range {
  start: u32,
  end: u32,
}

@group(0) @binding(0) var<storage, read> range: Range;
@group(0) @binding(1) var<storage, read_write> result: array<atomic<u32>, 2>; // count, largest

fn isPrime(n: u32) -> bool {
  if (n < 2u) { return false; }
  if (n < 4u) { return true; }
  if ((n & 1u) == 0u) { return false; }
  // d <= n / d is d * d <= n without overflowing 32 bits.
  for (var d = 3u; d <= n / d; d += 2u) {
    if (n % d == 0u) { return false; }
  }
  return true;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) groups: vec3u) {
  if (range.end <= range.start || id.x >= range.end - range.start) { return; }
  let stride = groups.x * 64u;
  var n = range.start + id.x;
  loop {
    if (isPrime(n)) {
      atomicAdd(&result[0], 1u);
      atomicMax(&result[1], n);
    }
    // Stop before n + stride would pass `end` (or wrap past 2^32).
    if (range.end - n <= stride) { break; }
    n += stride;
  }
}
