import { describe, expect, test } from 'vitest';
import { classesIn, errorFamilyProblems, treeClasses } from './error-family.ts';

describe('the error family', () => {
  test('default: every error class of the tree descends from BaseError and declares its own name', () => {
    const classes = treeClasses();
    // The scan sees the family: the base, errors of each part, and classes that are not errors are left alone.
    const names = classes.map((c) => c.name);
    for (const known of ['BaseError', 'ApiError', 'KernelError', 'CustomAppError', 'SettingsError', 'UsageError'])
      expect(names).toContain(known);
    expect(errorFamilyProblems(classes)).toEqual([]);
  });

  test('error: a class extending Error, a builtin error or an outside base is named, as is a missing name', () => {
    const source = `
      class Fine extends BaseError { override name = 'Fine' as const; }
      export class Direct extends Error { override name = 'Direct'; }
      class Ranged extends RangeError {}
      class ViemStyle extends OtherBaseError { override name = 'ViemStyle'; }
      class Grandchild extends Fine { override name = 'Grandchild' as const; }
      class Unnamed extends Fine { constructor() { super('x'); } }
      class Borrowed extends Fine { override name = 'Fine' as const; }
      class Store extends Map<string, number> {}
    `;
    const classes = [
      ...classesIn('protocol/base-error.ts', 'export class BaseError extends Error {}'),
      ...classesIn('x.ts', source),
    ];
    expect(errorFamilyProblems(classes)).toEqual([
      'x.ts: Direct extends Error directly; extend BaseError',
      'x.ts: Ranged extends RangeError directly; extend BaseError',
      'x.ts: ViemStyle extends OtherBaseError, which does not descend from BaseError',
      "x.ts: Unnamed must declare its own name: override name = 'Unnamed' as const",
      "x.ts: Borrowed must declare its own name: override name = 'Borrowed' as const",
    ]);
  });

  test('error: a second BaseError elsewhere is not the base', () => {
    expect(errorFamilyProblems(classesIn('web/x.ts', 'class BaseError extends Error {}'))).toEqual([
      'web/x.ts: BaseError extends Error directly; extend BaseError',
    ]);
  });
});
