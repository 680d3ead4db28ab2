/**
 * @module web/widget/visibility-gate
 * Guards the widget's consent click against clickjacking: a partner page (or a page that frames the widget against
 * the partner's will) could hide the frame under a decoy, make it transparent, or slide it under the cursor just
 * before a click. The opt-in button accepts a click only once it has been in view for VISIBLE_FOR_MS without a
 * break, and, where the browser has IntersectionObserver v2 (Chromium), only while the browser vouches that nothing
 * covers, fades or transforms it (`trackVisibility`, https://w3c.github.io/IntersectionObserver/v2/).
 */

/** How long the button must have been visible before it accepts a click; Chromium's own prompts wait about as long. */
export const VISIBLE_FOR_MS = 500;
/** How often the browser may recompute occlusion; v2 requires at least 100 ms. */
const OCCLUSION_DELAY_MS = 100;

/** IntersectionObserver v2's additions, not yet in TypeScript's DOM types. */
type V2Init = IntersectionObserverInit & { trackVisibility?: boolean; delay?: number };
type V2Entry = IntersectionObserverEntry & { isVisible?: boolean };

/** Whether this browser can tell that an element is covered or faded (IntersectionObserver v2). */
export const tracksOcclusion = (): boolean =>
  typeof IntersectionObserverEntry !== 'undefined' && 'isVisible' in IntersectionObserverEntry.prototype;

export class VisibilityGate {
  /** The guarded element has been visible long enough: a click on it now is the visitor's. */
  open = $state(false);
  readonly checksOcclusion = tracksOcclusion();
  private timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Watches `element` until the returned function is called (a Svelte attachment).
   * @example <button {@attach (el) => gate.watch(el)}>
   */
  watch(element: Element): () => void {
    const init: V2Init = this.checksOcclusion
      ? { threshold: [1], trackVisibility: true, delay: OCCLUSION_DELAY_MS }
      : { threshold: [1] };
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) this.seen(this.visible(entry as V2Entry));
    }, init);
    observer.observe(element);
    return () => {
      observer.disconnect();
      this.seen(false);
    };
  }

  private visible(entry: V2Entry): boolean {
    // Wholly in view; and, where the browser can tell, neither covered, see-through, filtered nor transformed.
    return (
      entry.isIntersecting && entry.intersectionRatio >= 0.99 && (!this.checksOcclusion || entry.isVisible === true)
    );
  }

  private seen(visible: boolean): void {
    if (!visible) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.open = false;
    } else if (!this.open && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.open = true;
      }, VISIBLE_FOR_MS);
    }
  }
}
