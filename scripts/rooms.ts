/**
 * @module scripts/rooms
 * The house rules a reader of the tree can check: SQL is spoken only in the store (server/store/) and the contracts'
 * room (contracts/), and no module under server/http/ imports from server/chain/ (routes read the store's mirror,
 * never the chain). Source is parsed with TypeScript's own parser, so only string literals and imports count, not
 * comments or prose. Used by scripts/rooms.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';

/** Where SQL may be written. */
export const SQL_ROOMS = ['server/store/', 'contracts/'];
/** The checks' own tests, whose samples of what they must catch are SQL in strings. */
const SAMPLES = 'scripts/rooms.test.ts';
const SOURCE = /\.(ts|mts|js|mjs|svelte)$/;

/**
 * SQL statements as this project writes them, keywords in capitals. SELECT counts only in capitals, so that a page's
 * "Select a file from…" is not taken for a query; the other statements count in any case.
 */
const STATEMENTS = [
  /\bSELECT\s+[\s\S]*\bFROM\b/,
  /\bSELECT\s+(?:\d|\w+\()/,
  /\binsert\s+into\s+\w+/i,
  /\bupdate\s+\w+\s+set\s+\w+\s*=/i,
  /\bdelete\s+from\s+\w+/i,
  /\b(?:create|drop|alter)\s+(?:unique\s+)?(?:table|index|schema|view)\b/i,
];

export interface Finding {
  file: string;
  line: number;
  text: string;
}

/** Every file git tracks, or would (untracked and not ignored), as the line-length check lists them. */
export function treeFiles(root = process.cwd()): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => SOURCE.test(f));
}

/** The source to parse: a Svelte component's scripts (its markup holds no statements), else the whole file. */
function scriptOf(file: string, text: string): string {
  if (!file.endsWith('.svelte')) return text;
  return [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

function parse(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, scriptOf(file, text), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

/** Each string literal and template in `text`, with its line; a template's parts are joined with a placeholder. */
function literals(source: ts.SourceFile): Array<{ line: number; text: string }> {
  const found: Array<{ line: number; text: string }> = [];
  const visit = (node: ts.Node) => {
    let text: string | undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
    else if (ts.isTemplateExpression(node))
      text = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ? ');
    if (text !== undefined) {
      found.push({ line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, text });
      if (ts.isTemplateExpression(node)) for (const s of node.templateSpans) visit(s.expression);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The SQL statements written in the file's string literals. */
export function sqlIn(file: string, text: string): Finding[] {
  return literals(parse(file, text))
    .filter((l) => STATEMENTS.some((s) => s.test(l.text)))
    .map((l) => ({ file, line: l.line, text: l.text.replace(/\s+/g, ' ').trim().slice(0, 80) }));
}

/** The modules the file imports (static, type-only, re-exported or dynamic), as paths from the tree's root. */
export function importsOf(file: string, text: string): Finding[] {
  const source = parse(file, text);
  const found: Finding[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | undefined) => {
    if (!specifier || !ts.isStringLiteralLike(specifier) || !specifier.text.startsWith('.')) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    found.push({ file, line, text: normalize(join(dirname(file), specifier.text)) });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node, node.moduleSpecifier);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      add(node, node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** SQL outside the rooms that may hold it. */
export function sqlOutsideItsRooms(files: string[], read: (f: string) => string): Finding[] {
  return files
    .filter((f) => f !== SAMPLES && !SQL_ROOMS.some((room) => f.startsWith(room)))
    .flatMap((f) => sqlIn(f, read(f)));
}

/** Imports of server/chain/ by modules under server/http/. */
export function routesReachingTheChain(files: string[], read: (f: string) => string): Finding[] {
  return files
    .filter((f) => f.startsWith('server/http/'))
    .flatMap((f) => importsOf(f, read(f)))
    .filter((i) => i.text.startsWith('server/chain/'));
}

/** Reads a file of the tree; one git lists but the work tree lacks (deleted, not yet committed) reads as empty. */
export function readTreeFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
