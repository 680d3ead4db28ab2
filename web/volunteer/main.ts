/**
 * @module web/volunteer/main
 * Entry of the volunteer app.
 */
import '../lib/zod-jitless.ts'; // first: before any module builds a schema
import { mount } from 'svelte';
import '../design/design.css';
import App from './App.svelte';

mount(App, { target: document.getElementById('app')! });
