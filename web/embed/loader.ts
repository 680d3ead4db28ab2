/**
 * @module web/embed/loader
 * The partner's one-line embed (dist/embed.js): reads its script tag's data attributes and draws the widget's frame
 * after it, then checks each event the frame posts (protocol/widget-check.ts, the schemas' hand-written twin: zod
 * would not fit this file's budget) and passes the valid ones on as a `terraflop` DOM event on the frame; an error
 * event is also logged. Nothing else runs on the partner's page: the frame, served from the coordinator's origin,
 * asks the visitor and computes; this file stays about a kilobyte gzipped.
 */
import { isWidgetEvent } from '../../protocol/widget-check.ts';
import { frameUrl, parseEmbedOptions } from './options.ts';

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
    frame.width = '320';
    frame.height = '200';
    frame.style.border = '0';
    frame.style.colorScheme = 'normal';
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
