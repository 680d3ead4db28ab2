/**
 * @module web/embed/loader
 * The partner's one-line embed (dist/embed.js): reads its script tag's data attributes and draws the widget's frame
 * after it, as wide as the place it is put in and as tall as its content (the frame says its height). Nothing else
 * runs on the partner's page: the frame, served from the coordinator's origin, asks the visitor and computes; this
 * file stays a few hundred bytes gzipped.
 */
import { frameUrl, parseEmbedOptions } from './options.ts';

/** Until the frame says its height: about what the widget needs before the visitor opts in. */
const FIRST_HEIGHT = 230;

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
    const origin = new URL(frame.src).origin;
    addEventListener('message', (event) => {
      const data = event.data as { source?: unknown; type?: unknown; height?: unknown } | null;
      if (event.source !== frame.contentWindow || event.origin !== origin || data?.source !== 'terraflop-widget')
        return;
      if (data.type === 'size' && typeof data.height === 'number' && data.height > 0 && data.height < 2000)
        frame.style.height = `${Math.ceil(data.height)}px`;
    });
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
