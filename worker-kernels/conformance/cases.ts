/**
 * @module worker-kernels/conformance/cases
 * Every app's conformance case, by name: the type asks for one per app of the protocol, so a new app cannot go
 * untested. Node only (a researcher's case compiles its module with AssemblyScript).
 */
import type { AppInputOf, AppName, AppOutputOf } from '../../protocol/apps.ts';
import { collatzCase } from '../collatz/conformance.ts';
import { customCase } from '../custom/conformance.ts';
import { matmulCase } from '../matmul/conformance.ts';
import { signalSearchCase } from '../signal-search/conformance.ts';
import { trainingCase } from '../training/conformance.ts';
import type { ConformanceCase } from './case.ts';

export const cases: { readonly [N in AppName]: ConformanceCase<AppInputOf[N], AppOutputOf[N]> } = {
  'signal-search': signalSearchCase,
  matmul: matmulCase,
  collatz: collatzCase,
  custom: customCase,
  training: trainingCase,
};

/** An app's case, its types erased as registry.ts's appOf erases the app's. */
export const caseOf = (name: AppName) => cases[name] as unknown as ConformanceCase<unknown, unknown>;
