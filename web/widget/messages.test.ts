import { describe, expect, test } from 'vitest';
import { BaseError } from '../../protocol/base-error.ts';
import type { WidgetEvent } from '../../protocol/widget.ts';
import { isWidgetEvent } from '../../protocol/widget-check.ts';
import { EmbedOptionsError } from '../embed/options.ts';
import { postErrorToPartner, postToPartner } from './messages.ts';

const PARTNER = 'https://magazine.example';

describe('events to the partner page', () => {
  const recorder = () => {
    const sent: { message: unknown; origin: string }[] = [];
    return { sent, target: { postMessage: (message: unknown, origin: string) => void sent.push({ message, origin }) } };
  };

  test('default: each event carries the source and goes to the embedding origin only', () => {
    const { sent, target } = recorder();
    postToPartner(PARTNER, { type: 'credit', credit: 2.5, unitsDone: 1 }, target as unknown as Window);
    expect(sent).toEqual([
      { message: { source: 'terraflop-widget', type: 'credit', credit: 2.5, unitsDone: 1 }, origin: PARTNER },
    ]);
  });

  test('behavior: an error goes out in the protocol shape, its name, details and cause kept', () => {
    const { sent, target } = recorder();
    const error = new EmbedOptionsError('bad', { issues: [{ path: 'cpu-limit', message: 'too high' }] });
    postErrorToPartner(PARTNER, new BaseError('outer', { cause: error, details: { tries: 2 } }), target as never);
    const message = sent[0]?.message as WidgetEvent;
    expect(isWidgetEvent(message)).toBe(true);
    expect(message).toEqual({
      source: 'terraflop-widget',
      type: 'error',
      error: {
        name: 'BaseError',
        message: 'outer',
        details: { tries: 2 },
        cause: { name: 'EmbedOptionsError', message: 'bad', issues: [{ path: 'cpu-limit', message: 'too high' }] },
      },
    });
  });

  test('error: an event the protocol does not describe is never posted', () => {
    const { sent, target } = recorder();
    const bad = { type: 'credit', credit: -1, unitsDone: 1 } as const;
    expect(() => postToPartner(PARTNER, bad, target as never)).toThrow(/may not post .*"credit":-1/);
    expect(sent).toEqual([]);
  });
});
