/**
 * @module web/volunteer/main
 * Entry of the volunteer app.
 */
import { mount } from 'svelte';
import { z } from 'zod';
import '../design/design.css';
import App from './App.svelte';

// zod compiles each object schema into a function (new Function) on its first parse: worth it for a server
// parsing the same shape millions of times, but on this page each schema parses a handful of small replies, and
// the compilation was the longest task after the first paint (≈ 10 ms per schema on a slow phone-class core).
z.config({ jitless: true });
mount(App, { target: document.getElementById('app')! });
