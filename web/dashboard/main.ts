/**
 * @module web/dashboard/main
 * Entry of the researchers' dashboard (dashboard.html).
 */
import '../lib/zod-jitless.ts'; // first: before any module builds a schema
import { mount } from 'svelte';
import '../design/design.css';
import App from './App.svelte';

mount(App, { target: document.getElementById('app')! });
