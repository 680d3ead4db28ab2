#!/usr/bin/env node
// @module bin/terraflop: the `terraflop` command's shim. The CLI is TypeScript run by Node 24's type stripping; under
// an older system Node it runs with the Node 24 the package pins (node_modules/node).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../server/cli/terraflop.ts', import.meta.url));
const pinned = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
const node = Number(process.versions.node.split('.')[0]) >= 24 ? process.execPath : pinned;
if (!existsSync(node)) {
  console.error(`terraflop needs Node 24; found ${process.version} and no ${pinned} (run npm ci)`);
  process.exit(1);
}
const run = spawnSync(node, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
