/**
 * @module web/embed/loader
 * The partner's one-line embed (dist/embed.js): reads its script tag's data attributes and draws the widget's frame
 * after it, as wide as the place it is put in and as tall as the widget's content, then checks each event the frame
 * posts (protocol/widget-check.ts, the schemas' hand-written twin: zod would not fit this file's budget): a size event
 * sets the frame's height, and every valid one is passed on as a `terraflop` DOM event on the frame; an error event
 * is also logged. Nothing else runs on the partner's page: the frame, served from the coordinator's origin, asks the
 * visitor and computes; this file stays about a kilobyte gzipped.
 */
import { isWidgetEvent } from '../../protocol/widget-check.ts';
import { frameUrl, parseEmbedOptions } from './options.ts';

/** Until the frame says its height: about what the widget needs before the visitor opts in. */
const FIRST_HEIGHT = 240;

/** Checks what `frame` posts, from the coordinator's origin only, and re-dispatches it on the frame. */
function relayEvents(frame: HTMLIFrameElement, coordinator: string): void {
  addEventListener('message', (event) => {
    if (event.source !== frame.contentWindow || event.origin !== coordinator) return;
    if (!isWidgetEvent(event.data)) {
      console.warn('Terraflop widget: ignored a message from its frame that the protocol does not describe');
      return;
    }
    const data = event.data;
    if (data.type === 'error') console.error(`Terraflop widget: ${data.error.name}: ${data.error.message}`);
    if (data.type === 'size') frame.style.height = `${data.height}px`;
    frame.dispatchEvent(new CustomEvent('terraflop', { detail: data, bubbles: true }));
  });
}

const script = document.currentScript;
if (script instanceof HTMLScriptElement) {
  try {
    const options = parseEmbedOptions({
      project: script.dataset['project'],
      theme: script.dataset['theme'],
      cpuLimit: script.dataset['cpuLimit'],
    });
    const frame = document.createElement('iframe');
    frame.src = frameUrl(script.src, options);
    frame.title = 'Terraflop: contribute compute to science';
    // Compute Pressure is off in frames unless the page delegates it; the widget backs off under load with it.
    frame.allow = 'compute-pressure';
    frame.style.cssText = `border:0;width:100%;height:${FIRST_HEIGHT}px;color-scheme:normal;display:block`;
    frame.loading = 'lazy'; // off-screen widgets cost the partner's page nothing until scrolled to
    relayEvents(frame, new URL(script.src).origin);
    script.after(frame);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
  }
} else {
  console.error(
    'Terraflop widget: load embed.js with a classic <script async src=…> tag (not a module), ' +
      'so it can find its data attributes',
  );
}
