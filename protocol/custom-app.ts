/**
 * @module protocol/custom-app
 * A researcher's own app as registered: its manifest (name, version, the ABI imports the module declares, its
 * limits, and optionally a WGSL shader with its bindings and dispatch). The module's bytes travel beside it; both are
 * checked by worker-kernels/custom/check-module.ts. See docs/apps.md for the ABI.
 */
import { z } from 'zod';

/** Every import the ABI offers; a module may use only those its manifest declares. */
export const CustomImport = z.enum(['terraflop.progress', 'terraflop.checkpoint', 'env.abort', 'env.memory']);
export type CustomImport = z.infer<typeof CustomImport>;

/** The largest buffer a researcher's shader may bind: a unit's input and its output are at most 1 MiB each. */
export const MAX_WGSL_BUFFER_BYTES = 1024 * 1024;
/**
 * The most workgroups one dispatch of a researcher's shader may have (x·y·z): 2^20, of up to 256 invocations each,
 * is 2^28 invocations, 256 for each byte of the largest input. WebGPU caps each dimension at 65,535, not the product,
 * and a dispatch cannot be cancelled once submitted, so its size is bounded here.
 */
export const MAX_WGSL_WORKGROUPS = 1 << 20;
/**
 * The longest a shader's dispatch may run on a host, whatever its manifest's time limit: a dispatch cannot be
 * cancelled, and browsers reset a GPU that one holds for seconds (Windows after 2 s, which loses the device and
 * sends the unit to WebAssembly; Chromium's own watchdog here after about 10 s, which kills its GPU process), so
 * a host gives up on a dispatch well before the second.
 */
export const MAX_WGSL_DISPATCH_MS = 5000;
/** The largest WGSL source, in characters. */
export const MAX_WGSL_SOURCE_CHARS = 64 * 1024;

export const WgslBinding = z.strictObject({
  binding: z.number().int().min(0).max(15),
  /**
   * What the host puts there: `input`, the unit's input bytes (zero-padded to a whole buffer); `output`, a zeroed
   * buffer read back whole as the output bytes; `uniform`, the host's parameters (four u32: the input's length in
   * bytes, then the workgroup counts x, y, z).
   */
  role: z.enum(['input', 'output', 'uniform']),
  type: z.enum(['storage-read', 'storage-read-write', 'uniform']),
  /** input: the largest input it takes; output: the output's length; uniform: 16. */
  bytes: z.number().int().positive().max(MAX_WGSL_BUFFER_BYTES),
});
export type WgslBinding = z.infer<typeof WgslBinding>;

/** Which buffer types each role may be bound as. */
const ROLE_TYPES: Record<WgslBinding['role'], readonly WgslBinding['type'][]> = {
  input: ['storage-read', 'uniform'],
  output: ['storage-read-write'],
  uniform: ['uniform'],
};
/** WebGPU's default maxUniformBufferBindingSize, which every adapter offers. */
const MAX_UNIFORM_BYTES = 65_536;

/** An app's optional GPU version: a WGSL compute shader and how the host binds and dispatches it. */
export const CustomWgsl = z
  .strictObject({
    /** The shader's WGSL text. */
    source: z.string().min(1).max(MAX_WGSL_SOURCE_CHARS),
    /** The name of its `@compute` function. */
    entryPoint: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a WGSL identifier'),
    /** Workgroups dispatched: fixed counts, or one workgroup per so many input bytes (x only, rounded up). */
    workgroups: z.union([
      z.tuple([
        z.number().int().min(1).max(65_535),
        z.number().int().min(1).max(65_535),
        z.number().int().min(1).max(65_535),
      ]),
      z.strictObject({ inputBytesPerWorkgroup: z.number().int().min(1).max(MAX_WGSL_BUFFER_BYTES) }),
    ]),
    bindings: z.array(WgslBinding).min(1).max(3),
  })
  .superRefine((wgsl, ctx) => {
    const issue = (message: string, path: (string | number)[] = ['bindings']) =>
      ctx.addIssue({ code: 'custom', message, path });
    if (
      Array.isArray(wgsl.workgroups) &&
      wgsl.workgroups[0] * wgsl.workgroups[1] * wgsl.workgroups[2] > MAX_WGSL_WORKGROUPS
    )
      issue(`at most ${MAX_WGSL_WORKGROUPS} workgroups a dispatch (x·y·z), got ${wgsl.workgroups.join('·')}`, [
        'workgroups',
      ]);
    const seen = new Set<number>();
    wgsl.bindings.forEach((b, i) => {
      if (seen.has(b.binding)) issue(`binding ${b.binding} is described twice`, ['bindings', i, 'binding']);
      seen.add(b.binding);
      if (!ROLE_TYPES[b.role].includes(b.type))
        issue(`the ${b.role} binding must be ${ROLE_TYPES[b.role].join(' or ')}`, ['bindings', i, 'type']);
      if (b.role === 'uniform' && b.bytes !== 16)
        issue('the uniform of parameters is 16 bytes', ['bindings', i, 'bytes']);
      if (b.type === 'uniform' && b.bytes > MAX_UNIFORM_BYTES)
        issue(`a uniform binding is at most ${MAX_UNIFORM_BYTES} bytes`, ['bindings', i, 'bytes']);
    });
    for (const role of ['input', 'output', 'uniform'] as const) {
      const count = wgsl.bindings.filter((b) => b.role === role).length;
      if (role === 'output' && count !== 1) issue('exactly one binding must have the role output');
      else if (count > 1) issue(`at most one binding may have the role ${role}`);
    }
  });
export type CustomWgsl = z.infer<typeof CustomWgsl>;

export const CustomAppManifest = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{1,47}$/, 'lowercase letters, digits and dashes, 2-48 characters'),
  version: z.number().int().min(1),
  /** What one work unit computes, in plain words for volunteers (shown on the volunteer page and the widget). */
  description: z.string().trim().max(600).optional(),
  imports: z.array(CustomImport).refine((a) => a.includes('env.memory'), 'must import env.memory (the host caps it)'),
  /** Memory cap in 64 KiB pages; at most 16384 (1 GiB). */
  maxMemoryPages: z.number().int().min(1).max(16384),
  /** Wall-clock limit of one run, on either variant. */
  timeLimitMs: z.number().int().min(100).max(3_600_000),
  /** The optional WGSL version, run instead of the module where the host has WebGPU; same input, same output bytes. */
  wgsl: CustomWgsl.optional(),
});
export type CustomAppManifest = z.infer<typeof CustomAppManifest>;

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
/** 1 MiB of data encodes to at most this many base64 characters. */
const MAX_DATA_BASE64 = 1_398_104;

/** A work unit of a researcher's app: which module version runs it, its input bytes, and its declared cost. */
export const CustomInput = z.strictObject({
  name: CustomAppManifest.shape.name,
  version: z.number().int().min(1),
  /** SHA-256 of the module (hex): the host runs exactly the bytes the coordinator checked. */
  moduleSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256'),
  data: Base64.max(MAX_DATA_BASE64),
  /** The unit's FLOP count as the researcher estimates it: what its credit is priced at. */
  flops: z.number().positive().max(1e16),
});
export type CustomInput = z.infer<typeof CustomInput>;

/** The output bytes a researcher's module returned; validated by exact comparison. */
export const CustomOutput = z.strictObject({ data: Base64.max(MAX_DATA_BASE64) });
export type CustomOutput = z.infer<typeof CustomOutput>;

/** What a researcher uploads: the manifest and the module's bytes. */
export const CustomAppUpload = z.strictObject({
  manifest: CustomAppManifest,
  module: Base64.min(8).max(MAX_DATA_BASE64),
});
export type CustomAppUpload = z.infer<typeof CustomAppUpload>;

/** Where a host fetches a registered version: the coordinator's API mounts its host routes for apps here. */
export const APPS_PATH = '/api/apps';
/** The module's file under a version's address. */
export const MODULE_FILE = 'module.wasm';

/**
 * A version's address at the coordinator `base`: GET it for its CustomAppVersion (manifest and shader).
 * @example await fetch(appVersionUrl(location.origin, input))
 */
export const appVersionUrl = (base: string | URL, { name, version }: Pick<CustomInput, 'name' | 'version'>) =>
  new URL(`${APPS_PATH}/${encodeURIComponent(name)}/${version}`, base);

/** A version's module bytes (application/wasm) at the coordinator `base`. */
export const appModuleUrl = (base: string | URL, app: Pick<CustomInput, 'name' | 'version'>) =>
  new URL(`${appVersionUrl(base, app).pathname}/${MODULE_FILE}`, base);

/** A registered version, as the coordinator serves it to hosts. */
export const CustomAppVersion = z.strictObject({
  manifest: CustomAppManifest,
  moduleSha256: z.string().regex(/^[0-9a-f]{64}$/),
  moduleBytes: z.number().int().positive(),
  createdAt: z.number().int(),
});
export type CustomAppVersion = z.infer<typeof CustomAppVersion>;

/** GET /api/research/apps: the project's own apps, every version. */
export const CustomAppList = z.strictObject({ apps: z.array(CustomAppVersion) });
export type CustomAppList = z.infer<typeof CustomAppList>;
