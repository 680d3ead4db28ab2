import { describe, expect, test } from 'vitest';
import { importsOf, readTreeFile, routesReachingTheChain, sqlIn, sqlOutsideItsRooms, treeFiles } from './rooms.ts';

describe('the rooms of the tree', () => {
  const files = treeFiles();

  test('default: no SQL outside server/store/ and contracts/', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(sqlOutsideItsRooms(files, readTreeFile)).toEqual([]);
  });

  test('default: no module under server/http/ imports from server/chain/', () => {
    expect(files.some((f) => f.startsWith('server/http/'))).toBe(true);
    expect(routesReachingTheChain(files, readTreeFile)).toEqual([]);
  });
});

describe('what the checks see', () => {
  test('behavior: statements in strings and templates count, wherever the file is', () => {
    const text = [
      "const a = 'SELECT id FROM hosts WHERE id = ?';",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template, a sample to scan
      'const b = `UPDATE hosts SET partner = ${p} WHERE id = ?`;',
      "db.exec('create table t (x int)');",
      'run(`INSERT INTO volunteers (name) VALUES (?)`);',
      "q('delete from link_codes where code_hash = ?');",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template, a sample to scan
      'admin.query(`DROP SCHEMA ${schema} CASCADE`);',
      "client.query('SELECT 1');",
    ].join('\n');
    expect(sqlIn('server/http/x.ts', text).map((f) => f.line)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(sqlOutsideItsRooms(['server/http/x.ts', 'server/store/sql/y.ts'], () => text)).toHaveLength(7);
    expect(sqlOutsideItsRooms(['server/store/sql/y.ts', 'contracts/z.ts'], () => text)).toEqual([]);
  });

  test('behavior: a Svelte component is read by its scripts', () => {
    const component = '<script lang="ts">\nconst q = `SELECT name FROM volunteers`;\n</script>\n<p>Hello</p>';
    expect(sqlIn('web/A.svelte', component)).toHaveLength(1);
  });

  test('edge: comments, identifiers and prose are not SQL', () => {
    const text = [
      '// SELECT id FROM hosts: a comment is no statement',
      "const label = 'Select a file from your computer';",
      "const help = 'Update your settings, then delete the old key';",
      'const selectFrom = updateSet + insertInto;',
      "const message = 'the project was created; the table below lists its batches';",
    ].join('\n');
    expect(sqlIn('web/b.ts', text)).toEqual([]);
  });

  test('behavior: every kind of import counts, resolved from the importing file', () => {
    const text = [
      "import { readEpoch } from '../chain/read-ledger.ts';",
      "import type { Deployment } from '../chain/deploy.ts';",
      "export { chainPoster } from '../chain/chain-poster.ts';",
      "const m = await import('../chain/anvil.ts');",
      "type T = import('../chain/clients.ts').ChainClients;",
      "import { z } from 'zod';",
      "import { ChainInfo } from '../../protocol/chain.ts';",
    ].join('\n');
    expect(importsOf('server/http/x.ts', text).map((i) => i.text)).toEqual([
      'server/chain/read-ledger.ts',
      'server/chain/deploy.ts',
      'server/chain/chain-poster.ts',
      'server/chain/anvil.ts',
      'server/chain/clients.ts',
      'protocol/chain.ts',
    ]);
    expect(routesReachingTheChain(['server/http/x.ts', 'server/coordinator.ts'], () => text)).toHaveLength(5);
  });
});
