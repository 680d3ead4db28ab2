import { describe, expect, test } from 'vitest';
import { DEFAULT_CPU_LIMIT, EmbedOptionsError, frameUrl, optionsOfFrameUrl, parseEmbedOptions } from './options.ts';

describe('embed options', () => {
  test('default: absent attributes take the defaults, a low CPU limit', () => {
    expect(parseEmbedOptions({})).toEqual({ project: 'demo', theme: 'auto', cpuLimit: DEFAULT_CPU_LIMIT });
    expect(DEFAULT_CPU_LIMIT).toBeLessThanOrEqual(25);
  });

  test('behavior: the frame address carries the options there and back', () => {
    const options = parseEmbedOptions({ project: 'signal-search', theme: 'dark', cpuLimit: '10%' });
    const url = frameUrl('https://coordinator.example/embed.js', options);
    expect(url).toBe('https://coordinator.example/widget-frame.html?project=signal-search&theme=dark&cpu-limit=10');
    expect(optionsOfFrameUrl(url)).toEqual(options);
  });

  test('error: each bad value is named', () => {
    const bad = () => parseEmbedOptions({ project: 'Bad Name', theme: 'neon', cpuLimit: '150' });
    expect(bad).toThrow(EmbedOptionsError);
    expect(bad).toThrow(
      /project must be.*"Bad Name".*theme must be one of light, dark, auto, got "neon".*cpu-limit .* got "150"/,
    );
    expect(() => parseEmbedOptions({ cpuLimit: '4' })).toThrow(/cpu-limit/);
    const error = (() => {
      try {
        bad();
      } catch (e) {
        return e as EmbedOptionsError;
      }
    })();
    expect(error?.issues?.map((i) => i.path)).toEqual(['project', 'theme', 'cpu-limit']);
    expect(() => parseEmbedOptions({ cpuLimit: '12.5' })).toThrow(/cpu-limit/);
  });
});
