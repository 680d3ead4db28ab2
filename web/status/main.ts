/**
 * @module web/status/main
 * Entry of the public status page (status.html).
 */
import '../lib/zod-jitless.ts'; // first: before any module builds a schema
import { mount } from 'svelte';
import '../design/design.css';
import App from './App.svelte';

mount(App, { target: document.getElementById('app')! });
