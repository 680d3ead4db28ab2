/**
 * @module server/epochs/epoch-file
 * The published epoch file, from which anyone can recompute an epoch's root: JSON lines, a header (epoch, root,
 * total, leaf encoding) then one leaf per volunteer (address, cumulative credit, offset, all amounts in COP wei as
 * decimal strings). Its keccak256 is posted with the root. Written atomically (temporary file, fsync, rename).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { keccak256, toBytes, type Hex } from 'viem';
import { z } from 'zod';
import { buildEpochTree, LEAF_ENCODING, type EpochTree, type Leaf } from './epoch-tree.ts';
import { BaseError } from '../../protocol/base-error.ts';

const Header = z.object({
  epoch: z.number().int().min(1),
  root: z.string().regex(/^0x[0-9a-f]{64}$/),
  totalCredit: z.string().regex(/^\d+$/),
  volunteers: z.number().int().min(1),
  leafEncoding: z.array(z.string()),
  unit: z.string(),
});
const LeafLine = z.object({
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  credit: z.string().regex(/^\d+$/),
  offset: z.string().regex(/^\d+$/),
});
export type EpochHeader = z.infer<typeof Header>;

export const CREDIT_UNIT = 'COP wei: 10^18 per credit (cobblestone), rounded down to 10^-6 credit';

export class EpochFileError extends BaseError {
  override name = 'EpochFileError' as const;
}

export function renderEpochFile(epoch: number, t: EpochTree): string {
  const header: EpochHeader = {
    epoch,
    root: t.root,
    totalCredit: String(t.total),
    volunteers: t.leaves.length,
    leafEncoding: LEAF_ENCODING,
    unit: CREDIT_UNIT,
  };
  const lines = [JSON.stringify(header)];
  for (const [address, credit, offset] of t.leaves)
    lines.push(JSON.stringify({ address, credit: String(credit), offset: String(offset) }));
  return `${lines.join('\n')}\n`;
}

export const epochFileHash = (text: string): Hex => keccak256(toBytes(text));

/**
 * Parses an epoch file and recomputes its tree; throws an EpochFileError naming the first line that is wrong, or
 * when the recomputed root, total or offsets disagree with the header.
 */
export function parseEpochFile(text: string): { header: EpochHeader; tree: EpochTree } {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const parseLine = <T>(schema: z.ZodType<T>, i: number): T => {
    let json: unknown;
    try {
      json = JSON.parse(lines[i]!);
    } catch {
      throw new EpochFileError(`line ${i + 1} is not JSON`);
    }
    const r = schema.safeParse(json);
    if (!r.success)
      throw new EpochFileError(
        `line ${i + 1}: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`,
      );
    return r.data;
  };
  if (lines.length === 0) throw new EpochFileError('empty epoch file');
  const header = parseLine(Header, 0);
  if (JSON.stringify(header.leafEncoding) !== JSON.stringify(LEAF_ENCODING))
    throw new EpochFileError(`unknown leaf encoding ${header.leafEncoding}`);
  const leaves: Leaf[] = [];
  for (let i = 1; i < lines.length; i++) {
    const l = parseLine(LeafLine, i);
    leaves.push([l.address as Hex, BigInt(l.credit), BigInt(l.offset)]);
  }
  if (leaves.length !== header.volunteers)
    throw new EpochFileError(`header says ${header.volunteers} volunteers, file has ${leaves.length}`);
  const tree = buildEpochTree(leaves.map(([address, credit]) => ({ address, credit })));
  tree.leaves.forEach(([address, , offset], i) => {
    if (leaves[i]![0].toLowerCase() !== address.toLowerCase() || leaves[i]![2] !== offset) {
      throw new EpochFileError(
        `line ${i + 2}: leaf out of order or offset is not the running sum (expected ${address} at ${offset})`,
      );
    }
  });
  if (tree.root !== header.root)
    throw new EpochFileError(`recomputed root ${tree.root} differs from the header's ${header.root}`);
  if (String(tree.total) !== header.totalCredit)
    throw new EpochFileError(`leaves sum to ${tree.total}, header says ${header.totalCredit}`);
  return { header, tree };
}

export const epochFilePath = (dir: string, epoch: number) => join(dir, `${epoch}.jsonl`);

export function writeEpochFile(dir: string, epoch: number, text: string): string {
  const path = epochFilePath(dir, epoch);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return path;
}

export const readEpochFile = (dir: string, epoch: number) => readFileSync(epochFilePath(dir, epoch), 'utf8');
