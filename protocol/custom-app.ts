/**
 * @module protocol/custom-app
 * A researcher's own app as registered: its manifest (name, version, the ABI imports the module declares, its
 * limits, and optionally a WGSL shader's bindings). The module's bytes travel beside it and are checked against it
 * by worker-kernels/custom/check-module.ts. See docs/apps.md for the ABI.
 */
import { z } from 'zod';

/** Every import the ABI offers; a module may use only those its manifest declares. */
export const CustomImport = z.enum(['terraflop.progress', 'terraflop.checkpoint', 'env.abort', 'env.memory']);
export type CustomImport = z.infer<typeof CustomImport>;

export const WgslBinding = z.strictObject({
  binding: z.number().int().min(0).max(15),
  /** What the host puts there: the unit's input bytes, the output buffer, or a uniform of parameters. */
  role: z.enum(['input', 'output', 'uniform']),
  type: z.enum(['storage-read', 'storage-read-write', 'uniform']),
  bytes: z.number().int().positive().max(256 * 1024 * 1024),
});

export const CustomAppManifest = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{1,47}$/, 'lowercase letters, digits and dashes, 2-48 characters'),
  version: z.number().int().min(1),
  imports: z.array(CustomImport).refine((a) => a.includes('env.memory'), 'must import env.memory (the host caps it)'),
  /** Memory cap in 64 KiB pages; at most 16384 (1 GiB). */
  maxMemoryPages: z.number().int().min(1).max(16384),
  /** Wall-clock limit of one run. */
  timeLimitMs: z.number().int().min(100).max(3_600_000),
  wgsl: z
    .strictObject({
      entryPoint: z.string().min(1).max(64),
      workgroups: z.tuple([z.number().int().min(1), z.number().int().min(1), z.number().int().min(1)]),
      bindings: z.array(WgslBinding).min(1).max(8),
    })
    .optional(),
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

/** A registered version, as the coordinator serves it to hosts. */
export const CustomAppVersion = z.strictObject({
  manifest: CustomAppManifest,
  moduleSha256: z.string().regex(/^[0-9a-f]{64}$/),
  moduleBytes: z.number().int().positive(),
  createdAt: z.number().int(),
});
export type CustomAppVersion = z.infer<typeof CustomAppVersion>;
