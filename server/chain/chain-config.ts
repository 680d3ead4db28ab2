/**
 * @module server/chain/chain-config
 * The chain's settings, spread into the coordinator's configuration: `embedded` (default) starts a local anvil in
 * the data folder and deploys on first start; `rpc` talks to any EVM chain named by URL, chain id, contract
 * addresses and the poster's key (from a file or the environment, never logged); `off` posts nothing.
 */
import { z } from 'zod';

const hexAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address');

export const chainEnv = {
  TERRAFLOP_CHAIN: z.enum(['embedded', 'rpc', 'off']).default('embedded'),
  TERRAFLOP_RPC_URL: z.string().url().optional(),
  TERRAFLOP_CHAIN_ID: z.coerce.number().int().positive().optional(),
  /** File holding the poster's private key (0x and 64 hex digits); preferred over TERRAFLOP_POSTER_KEY. */
  TERRAFLOP_POSTER_KEY_FILE: z.string().min(1).optional(),
  // The message never echoes the value: this is a secret.
  TERRAFLOP_POSTER_KEY: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, 'must be 0x and 64 hex digits (value not shown)')
    .optional(),
  TERRAFLOP_LEDGER_ADDRESS: hexAddress.optional(),
  TERRAFLOP_MARKET_ADDRESS: hexAddress.optional(),
  /** Least seconds between two epochs. */
  TERRAFLOP_EPOCH_INTERVAL_S: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .default(600),
  /**
   * Seconds after its proposal when an undisputed epoch is final however few attesters signed: a rule of the ledger,
   * set when the embedded chain deploys it (a ledger reached by RPC has its own).
   */
  TERRAFLOP_CHALLENGE_WINDOW_S: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .default(2 * 86_400),
};

export type ChainConfig = {
  TERRAFLOP_CHAIN: 'embedded' | 'rpc' | 'off';
  TERRAFLOP_RPC_URL?: string | undefined;
  TERRAFLOP_CHAIN_ID?: number | undefined;
  TERRAFLOP_POSTER_KEY_FILE?: string | undefined;
  TERRAFLOP_POSTER_KEY?: string | undefined;
  TERRAFLOP_LEDGER_ADDRESS?: string | undefined;
  TERRAFLOP_MARKET_ADDRESS?: string | undefined;
  TERRAFLOP_EPOCH_INTERVAL_S: number;
  TERRAFLOP_CHALLENGE_WINDOW_S: number;
  TERRAFLOP_DATA: string;
};
