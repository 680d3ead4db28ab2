/**
 * @module e2e/support/widget-opt-in
 * A visitor's opt-in on a partner page's widget, made as a visitor makes it. The widget's anti-clickjacking gate
 * (web/widget/visibility-gate.svelte.ts) accepts a click only once the button has been wholly in view for half a
 * second, and starts counting again whenever the button moves: as the frame grows to fit the project's description
 * arriving after the button, say. A click that lands in such a moment is answered "Not started: … Press it again."
 * and starts nothing, so this presses again then, as the visitor is told to, and only then: a start that fails in any
 * other way fails the test.
 */
import { expect, type FrameLocator } from '@playwright/test';

/** Presses the widget's "Start contributing" until it starts (at most `tries` times), and waits for its state. */
export async function startContributing(widget: FrameLocator, tries = 3): Promise<void> {
  const start = widget.getByRole('button', { name: 'Start contributing' });
  const refused = widget.getByRole('alert').filter({ hasText: /^Not started:/ });
  for (let pressed = 1; ; pressed++) {
    await start.click();
    const outcome = async () =>
      (await start.count()) === 0 ? 'started' : (await refused.count()) > 0 ? 'refused' : 'pending';
    await expect.poll(outcome).not.toBe('pending');
    if ((await outcome()) === 'started') break;
    if (pressed >= tries) throw new Error(`the widget refused ${tries} presses of "Start contributing" as too early`);
  }
  await expect(widget.getByTestId('widget-state')).toBeVisible();
}
