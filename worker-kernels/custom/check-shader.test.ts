import { describe, expect, test } from 'vitest';
import { CustomWgsl } from '../../protocol/custom-app.ts';
import { checkShader, stripComments } from './check-shader.ts';
import { EXAMPLE_WGSL } from './example/example-app.ts';

const wgsl = EXAMPLE_WGSL;
const { source } = wgsl;
const check = (overrides: Partial<Record<keyof typeof wgsl, unknown>>) => () =>
  checkShader(CustomWgsl.parse({ ...wgsl, ...overrides }));
const schemaIssue = (overrides: Partial<Record<keyof typeof wgsl, unknown>>) =>
  CustomWgsl.safeParse({ ...wgsl, ...overrides }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('the shader check at upload', () => {
  test('default: the example shader matches its description', () => {
    expect(check({})).not.toThrow();
    expect(check({ workgroups: { inputBytesPerWorkgroup: 4 } })).not.toThrow();
  });

  test('behavior: comments are no declarations, attributes may come in any order and spacing', () => {
    expect(stripComments('a /* x /* nested */ y */ b // c\nd')).toBe('a  b \nd');
    const shader = `// @group(0) @binding(5) var<uniform> commented: u32;
      /* fn main() {} */
      @binding( 1u ) @group(0)
      var<storage,read_write> out: array<u32>;
      @group(0) @binding(0) var<uniform> params: vec4u;
      var<workgroup> scratch: array<u32, 64>;
      @workgroup_size(8, 8)
      @compute fn run(@builtin(local_invocation_index) i: u32) { var x = params.x; out[i] = x; }`;
    const bindings = [
      { binding: 0, role: 'uniform', type: 'uniform', bytes: 16 },
      { binding: 1, role: 'output', type: 'storage-read-write', bytes: 256 },
    ];
    expect(check({ source: shader, entryPoint: 'run', bindings })).not.toThrow();
  });

  test('error: the entry point is missing, not @compute, or has no workgroup size', () => {
    expect(check({ entryPoint: 'start' })).toThrow(
      'shader has no @compute function start (its compute functions: main)',
    );
    expect(check({ source: source.replace('@compute @workgroup_size(64)', '') })).toThrow(
      /no @compute function main \(its compute functions: none\)/,
    );
    expect(check({ source: source.replace('@workgroup_size(64)', '') })).toThrow(
      'shader: main must have a @workgroup_size',
    );
  });

  test('error: declared buffers that differ from the description', () => {
    expect(check({ bindings: [wgsl.bindings[1], { ...wgsl.bindings[0], binding: 2 }] })).toThrow(
      'shader declares @binding(0) (range), which the manifest does not describe',
    );
    expect(
      check({ source: source.replace('@binding(0) var<storage, read> range', '@binding(0) var<uniform> range') }),
    ).toThrow(
      /declares @binding\(0\) \(range\) as var<uniform>, the manifest describes storage-read \(var<storage, read>\)/,
    );
    expect(check({ source: source.replace('var<storage, read_write> result', 'var<storage> result') })).toThrow(
      /as var<storage>, the manifest describes storage-read-write/,
    );
    expect(check({ source: source.replace('@group(0) @binding(1)', '@group(1) @binding(1)') })).toThrow(
      /result is in @group\(1\); the host binds group 0 only/,
    );
    expect(
      check({
        source: source.replace('@group(0) @binding(0) var<storage, read> range: Range;', 'var<private> range: Range;'),
      }),
    ).toThrow('shader does not declare @group(0) @binding(0), which the manifest describes (its input)');
    expect(check({ source: source.replace('@binding(1)', '@binding(ONE)') })).toThrow(
      'shader: @binding(ONE) must be a literal number',
    );
  });

  test('error: descriptions the schema refuses, each with its reason', () => {
    const [input, output] = wgsl.bindings;
    expect(schemaIssue({ bindings: [input] })).toEqual(['bindings: exactly one binding must have the role output']);
    expect(schemaIssue({ bindings: [input, output, { ...output, binding: 2 }] })).toContain(
      'bindings: exactly one binding must have the role output',
    );
    expect(schemaIssue({ bindings: [input, { ...output, binding: 0 }] })).toEqual([
      'bindings.1.binding: binding 0 is described twice',
    ]);
    expect(schemaIssue({ bindings: [{ ...input, type: 'storage-read-write' }, output] })).toEqual([
      'bindings.0.type: the input binding must be storage-read or uniform',
    ]);
    expect(
      schemaIssue({ bindings: [input, output, { binding: 2, role: 'uniform', type: 'uniform', bytes: 32 }] }),
    ).toEqual(['bindings.2.bytes: the uniform of parameters is 16 bytes']);
    expect(schemaIssue({ bindings: [input, { ...output, bytes: 2 * 1024 * 1024 }] })?.[0]).toMatch(
      /^bindings\.1\.bytes: Too big/,
    );
    expect(schemaIssue({ source: 'x'.repeat(64 * 1024 + 1) })?.[0]).toMatch(/^source: Too big/);
    expect(schemaIssue({ workgroups: [65_536, 1, 1] })?.[0]).toMatch(/^workgroups/);
    expect(schemaIssue({ workgroups: [1024, 1024, 1] })).toBeUndefined();
    expect(schemaIssue({ workgroups: [1024, 1024, 2] })).toEqual([
      'workgroups: at most 1048576 workgroups a dispatch (x·y·z), got 1024·1024·2',
    ]);
    expect(schemaIssue({ entryPoint: 'main()' })).toEqual(['entryPoint: a WGSL identifier']);
  });
});
