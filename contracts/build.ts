/**
 * @module contracts/build
 * `npm run build:contracts` (run before every `npm run build`): compile the contracts into contracts/out/ and
 * regenerate contracts/abi.ts, the typed (`as const`) ABIs that viem reads; abi.ts is committed so that type checks
 * need no build, and a test fails when it no longer matches the sources.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileContracts, renderAbiModule } from './compile.ts';

const started = Date.now();
const artifacts = compileContracts();
writeFileSync(join(dirname(fileURLToPath(import.meta.url)), 'abi.ts'), renderAbiModule(artifacts));
const sizes = Object.entries(artifacts.contracts).map(([name, a]) => `${name} ${(a.bytecode.length - 2) / 2} B`);
console.log(`contracts: solc ${artifacts.solc} in ${Date.now() - started} ms: ${sizes.join(', ')}`);
