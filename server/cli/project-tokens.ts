/**
 * @module server/cli/project-tokens
 * `terraflop project tokens`: an operator's command, run where the coordinator's database is, that sets whether a
 * project's credit mints COP without a paid batch (the operator grants it: `--grant` / `--no-grant`) and which address
 * pays for its batches through the market (`--payer 0x…`, or `--payer none`). Only the operator decides a grant: a
 * researcher running its own hosts on its own units would otherwise mint tokens for itself.
 */
import { getAddress, isAddress } from 'viem';
import { loadConfig } from '../config.ts';
import { openStore, storeLocation } from '../store/open-store.ts';
import type { ProjectTokens, TokenTerms } from '../store/chain.ts';
import { BaseError } from '../../protocol/base-error.ts';

export class ProjectTokensError extends BaseError {
  override name = 'ProjectTokensError' as const;
}

export interface ProjectTokensOptions {
  name: string;
  grant?: boolean | undefined;
  payer?: string | undefined;
}

/** @example await projectTokens({ name: 'Comets', grant: true }) */
export async function projectTokens(
  o: ProjectTokensOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProjectTokens> {
  const terms: TokenTerms = {};
  if (o.grant !== undefined) terms.grantsTokens = o.grant;
  if (o.payer !== undefined) {
    if (o.payer !== 'none' && !isAddress(o.payer, { strict: false }))
      throw new ProjectTokensError(`--payer must be an Ethereum address or none, got ${JSON.stringify(o.payer)}`);
    terms.payer = o.payer === 'none' ? null : getAddress(o.payer);
  }
  const stores = await openStore(storeLocation(loadConfig(env)));
  try {
    const set = await stores.chain.setTokenTerms(o.name, terms);
    if (!set) throw new ProjectTokensError(`no project named ${JSON.stringify(o.name)}`);
    return set;
  } finally {
    await stores.close();
  }
}
