/**
 * @module web/widget/client
 * What the widget frame loads after the visitor opts in (a dynamic import): the volunteer client and the frame's
 * storage set-up. Before the opt-in none of it is downloaded or run.
 */
export { Contributor } from '../volunteer/contributor.svelte.ts';
export { applyWidgetSettings, ensurePartnerHost, usePartnerDatabase, widgetRegistration } from './partner-host.ts';
