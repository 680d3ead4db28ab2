/**
 * @module web/embed/loader
 * The partner's one-line embed (dist/embed.js): reads its script tag's data attributes and draws the widget's frame
 * after it. Nothing else runs on the partner's page: the frame, served from the coordinator's origin, asks the
 * visitor and computes; this file stays a few hundred bytes gzipped.
 */
import { frameUrl, parseEmbedOptions } from './options.ts';

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
