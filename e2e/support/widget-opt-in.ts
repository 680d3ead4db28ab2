/**
 * @module e2e/support/widget-opt-in
 * A visitor's opt-in on a partner page's widget, made as a visitor makes it. The widget's anti-clickjacking gate
 * (web/widget/visibility-gate.svelte.ts) accepts a click only once the button has been wholly in view for half a
 * second, and starts counting again whenever the button moves: as the frame grows to fit the project's description
 * arriving after the button, say. A click that lands in such a moment is answered "Not started: … Press it again."
 * and starts nothing, so this presses again then, as the visitor is told to. A press can also miss: the button moved
 * between Playwright finding it and the pointer landing (the same growing frame), and the frame shows nothing at all
 * (seen once in a suite run: neither started nor refused for 5 s); the visitor presses again then too. A widget that
 * starts on none of its tries fails the test.
 */
import { expect, type FrameLocator } from '@playwright/test';

type Outcome = 'started' | 'refused' | 'pending';

/** Presses the widget's "Start contributing" until it starts (at most `tries` times), and waits for its state. */
export async function startContributing(widget: FrameLocator, tries = 3): Promise<void> {
  const start = widget.getByRole('button', { name: 'Start contributing' });
  const refused = widget.getByRole('alert').filter({ hasText: /^Not started:/ });
  const outcome = async (): Promise<Outcome> =>
    (await start.count()) === 0 ? 'started' : (await refused.count()) > 0 ? 'refused' : 'pending';
  for (let pressed = 1; ; pressed++) {
    await start.click();
    // Either answer comes at once (optIn is synchronous up to its first await); still none after 5 s: the press missed.
    const answered = await expect
      .poll(outcome)
      .not.toBe('pending')
      .then(
        () => true,
        () => false,
      );
    const last = answered ? await outcome() : 'pending';
    if (last === 'started') break;
    if (pressed >= tries) {
      throw new Error(`the widget did not start on ${tries} presses of "Start contributing" (the last: ${last})`);
    }
  }
  await expect(widget.getByTestId('widget-state')).toBeVisible();
}
