import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadArtifacts, renderAbiModule } from '../../contracts/compile.ts';

describe('contracts/abi.ts', () => {
  test('default: matches the Solidity sources (else run npm run build:contracts)', () => {
    const committed = readFileSync(join(import.meta.dirname, '../../contracts/abi.ts'), 'utf8');
    expect(committed).toBe(renderAbiModule(loadArtifacts()));
  });
});
