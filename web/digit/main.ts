/**
 * @module web/digit/main
 * Entry of the digit page (digit.html): try a trained model on a drawn digit.
 */
import '../lib/zod-jitless.ts'; // first: before any module builds a schema
import { mount } from 'svelte';
import '../design/design.css';
import App from './App.svelte';

mount(App, { target: document.getElementById('app')! });
