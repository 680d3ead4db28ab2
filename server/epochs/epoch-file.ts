/**
 * @module server/epochs/epoch-file
 * The published epoch file, from which anyone can recompute an epoch's root: JSON lines, a header (epoch, root,
 * total credit and weight, cut time, the previous epoch's file hash, leaf encoding) then one leaf per volunteer
 * (address, cumulative credit, offset, weight, all amounts in COP wei as decimal strings). Its keccak256 is posted
 * with the root. With the previous epoch's file, anyone recomputes every weight (stake-weight.ts). Written
 * atomically (temporary file, fsync, rename).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { keccak256, toBytes, type Hex } from 'viem';
import { z } from 'zod';
import { buildEpochTree, LEAF_ENCODING, type EpochTree, type Leaf } from './epoch-tree.ts';
import { BaseError } from '../../protocol/base-error.ts';
import { WEIGHT_HALF_LIFE_S } from './stake-weight.ts';

const Header = z.object({
  epoch: z.number().int().min(1),
  root: z.string().regex(/^0x[0-9a-f]{64}$/),
  totalCredit: z.string().regex(/^\d+$/),
  totalWeight: z.string().regex(/^\d+$/),
  /** Unix seconds: the time the weights are decayed to. */
  cutAt: z.number().int().min(0),
  /** The previous epoch's file hash (its weights are this one's starting point); zero for epoch 1. */
  previousFileHash: z.string().regex(/^0x[0-9a-f]{64}$/),
  halfLifeS: z.number().int().positive(),
  volunteers: z.number().int().min(1),
  leafEncoding: z.array(z.string()),
  unit: z.string(),
});
const LeafLine = z.object({
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  credit: z.string().regex(/^\d+$/),
  offset: z.string().regex(/^\d+$/),
  weight: z.string().regex(/^\d+$/),
});
export type EpochHeader = z.infer<typeof Header>;

export const CREDIT_UNIT = 'COP wei: 10^18 per credit (cobblestone), rounded down to 10^-6 credit';

export class EpochFileError extends BaseError {
  override name = 'EpochFileError' as const;
}

export const NO_PREVIOUS_FILE = `0x${'0'.repeat(64)}` as const;

/** When the weights were cut, and the file they grew from (NO_PREVIOUS_FILE for epoch 1). */
export interface EpochCut {
  cutAt: number;
  previousFileHash: Hex;
}

export function renderEpochFile(epoch: number, t: EpochTree, cut: EpochCut): string {
  const header: EpochHeader = {
    epoch,
    root: t.root,
    totalCredit: String(t.total),
    totalWeight: String(t.totalWeight),
    cutAt: cut.cutAt,
    previousFileHash: cut.previousFileHash,
    halfLifeS: Number(WEIGHT_HALF_LIFE_S),
    volunteers: t.leaves.length,
    leafEncoding: LEAF_ENCODING,
    unit: CREDIT_UNIT,
  };
  const lines = [JSON.stringify(header)];
  for (const [address, credit, offset, weight] of t.leaves)
    lines.push(JSON.stringify({ address, credit: String(credit), offset: String(offset), weight: String(weight) }));
  return `${lines.join('\n')}\n`;
}

export const epochFileHash = (text: string): Hex => keccak256(toBytes(text));

/**
 * Parses an epoch file and recomputes its tree; throws an EpochFileError naming the first line that is wrong, or
 * when the recomputed root, totals or offsets disagree with the header. The weights themselves need the previous
 * file: weightProblems (stake-weight.ts).
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
  if (header.halfLifeS !== Number(WEIGHT_HALF_LIFE_S))
    throw new EpochFileError(`half-life ${header.halfLifeS} s, this reader knows ${WEIGHT_HALF_LIFE_S} s`);
  const leaves: Leaf[] = [];
  for (let i = 1; i < lines.length; i++) {
    const l = parseLine(LeafLine, i);
    leaves.push([l.address as Hex, BigInt(l.credit), BigInt(l.offset), BigInt(l.weight)]);
  }
  if (leaves.length !== header.volunteers)
    throw new EpochFileError(`header says ${header.volunteers} volunteers, file has ${leaves.length}`);
  const tree = buildEpochTree(leaves.map(([address, credit, , weight]) => ({ address, credit, weight })));
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
  if (String(tree.totalWeight) !== header.totalWeight)
    throw new EpochFileError(`weights sum to ${tree.totalWeight}, header says ${header.totalWeight}`);
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

/** The header of one of the coordinator's own epoch files (its first line), without rebuilding the tree. */
export function readEpochHeader(dir: string, epoch: number): EpochHeader {
  const text = readEpochFile(dir, epoch);
  const r = Header.safeParse(JSON.parse(text.slice(0, text.indexOf('\n'))));
  if (!r.success) throw new EpochFileError(`epoch ${epoch}'s file has no valid header`);
  return r.data;
}
