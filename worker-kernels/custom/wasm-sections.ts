/**
 * @module worker-kernels/custom/wasm-sections
 * What the WebAssembly JS API does not tell about a module and the sandbox must know: the limits of its imported
 * memory (to provide a memory it can link to, capped) and whether it has a start function (code that would run at
 * instantiation, before any limit applies; the ABI's entry point is `run`). Reads the binary's sections directly
 * (WebAssembly spec, binary format §5.5).
 */

export interface ModuleFacts {
  /** The imported memory's declared minimum and maximum, in 64 KiB pages; undefined when none is imported. */
  memory?: { initial: number; maximum?: number | undefined; shared: boolean } | undefined;
  hasStart: boolean;
}

class Reader {
  at = 0;
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  byte(): number {
    if (this.at >= this.bytes.length) throw new RangeError('unexpected end of module');
    return this.bytes[this.at++]!;
  }
  u32(): number {
    let result = 0,
      shift = 0,
      b: number;
    do {
      b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return result;
  }
  skip(n: number): void {
    this.at += n;
  }
  limits(): { initial: number; maximum?: number; shared: boolean } {
    const flags = this.byte();
    const initial = this.u32();
    return { initial, ...(flags & 1 ? { maximum: this.u32() } : {}), shared: (flags & 2) !== 0 };
  }
}

/** Facts of a module already known to be valid (WebAssembly.validate). */
export function readModuleFacts(bytes: Uint8Array): ModuleFacts {
  const r = new Reader(bytes);
  r.skip(8); // magic and version
  const facts: ModuleFacts = { hasStart: false };
  while (r.at < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.at + size;
    if (id === 8) facts.hasStart = true;
    if (id === 2) {
      for (let count = r.u32(); count > 0; count--) {
        r.skip(r.u32()); // module name
        r.skip(r.u32()); // field name
        const kind = r.byte();
        if (kind === 0) {
          r.u32(); // function: type index
        } else if (kind === 1) {
          r.byte(); // table: element type
          r.limits(); // and limits
        } else if (kind === 2) {
          facts.memory = r.limits();
        } else if (kind === 3) {
          r.skip(2); // global: value type, mutability
        } else if (kind === 4) {
          r.byte(); // tag: attribute
          r.u32(); // and type index
        }
      }
    }
    r.at = end;
  }
  return facts;
}
