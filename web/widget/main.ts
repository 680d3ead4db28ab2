/**
 * @module web/widget/main
 * Entry of the widget frame (widget-frame.html), which partner pages embed from the coordinator's origin.
 */
import '../lib/zod-jitless.ts'; // first: before any module builds a schema
import { mount } from 'svelte';
import '../design/design.css';
import { EmbedOptionsError, optionsOfFrameUrl } from '../embed/options.ts';
import { embeddingOrigin, postErrorToPartner } from './messages.ts';
import { Widget } from './widget.svelte.ts';
import WidgetView from './WidgetView.svelte';
import './widget.css';

const target = document.getElementById('app')!;
try {
  const options = optionsOfFrameUrl(location.href);
  // "auto" follows the visitor's system setting; light and dark fix the scheme (web/design/tokens.css).
  if (options.theme !== 'auto') document.documentElement.dataset['theme'] = options.theme;
  const widget = new Widget(embeddingOrigin(), options);
  mount(WidgetView, { target, props: { widget } });
  void widget.boot();
} catch (e) {
  target.textContent = e instanceof EmbedOptionsError ? e.message : `Terraflop widget failed to start: ${String(e)}`;
  target.setAttribute('role', 'alert');
  // The partner's page hears of it too, by name (EmbedOptionsError's issues name each bad option).
  const partner = embeddingOrigin();
  if (partner !== null) postErrorToPartner(partner, e);
}
