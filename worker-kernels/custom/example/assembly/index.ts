// The example researcher's app of docs/apps.md: counts the primes in [from, to) by trial division, reporting
// progress and a checkpoint every 65,536 numbers so a host can resume it. Build:
//   npx asc assembly/index.ts --outFile prime-count.wasm -O3 --runtime stub --importMemory --exportStart _initialize
// Input (8 bytes, little-endian): u32 from, u32 to. Output (8 bytes): u32 count, u32 largest prime found (0: none).
// Checkpoint (12 bytes): u32 next number to test, u32 count so far, u32 largest so far.

@external("terraflop", "progress")
declare function progress(fraction: f64): void;

@external("terraflop", "checkpoint")
declare function checkpoint(ptr: usize, len: i32): void;

/** The host asks for room for the input (and for a checkpoint to resume from) and copies the bytes there. */
export function alloc(len: i32): usize {
  return heap.alloc(<usize>max(len, 1));
}

function isPrime(n: u32): bool {
  if (n < 2) return false;
  if (n < 4) return true;
  if ((n & 1) == 0) return false;
  for (let d: u64 = 3; d * d <= <u64>n; d += 2) if (<u64>n % d == 0) return false;
  return true;
}

/** The entry point: returns a pointer to the output, a u32 byte length followed by the bytes. */
export function run(input: usize, inputLen: i32, state: usize, stateLen: i32): usize {
  if (inputLen != 8) abort('input must be 8 bytes: u32 from, u32 to');
  const from = load<u32>(input), to = load<u32>(input, 4);
  let next = from, count: u32 = 0, largest: u32 = 0;
  if (stateLen == 12) {
    next = load<u32>(state);
    count = load<u32>(state, 4);
    largest = load<u32>(state, 8);
  }
  const saved = heap.alloc(12);
  for (let n = next; n < to; n++) {
    if (isPrime(n)) {
      count++;
      largest = n;
    }
    if ((n & 0xffff) == 0xffff) {
      store<u32>(saved, n + 1);
      store<u32>(saved, count, 4);
      store<u32>(saved, largest, 8);
      checkpoint(saved, 12);
      progress(<f64>(n + 1 - from) / <f64>(to - from));
    }
  }
  progress(1);
  const out = heap.alloc(12);
  store<u32>(out, 8);
  store<u32>(out, count, 4);
  store<u32>(out, largest, 8);
  return out;
}
