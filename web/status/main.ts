/**
 * @module web/status/main
 * Entry of the public status page (status.html).
 */
import { mount } from 'svelte';
import { z } from 'zod';
import '../design/design.css';
import App from './App.svelte';

// As on the volunteer page: each schema parses a few replies, so zod's compiled parsers are not worth their cost.
z.config({ jitless: true });
mount(App, { target: document.getElementById('app')! });
