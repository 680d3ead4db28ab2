/**
 * @module web/digit/main
 * Entry of the digit page (digit.html): try a trained model on a drawn digit.
 */
import { mount } from 'svelte';
import { z } from 'zod';
import '../design/design.css';
import App from './App.svelte';

// As on the other pages: a model file is parsed once, so zod's compiled parsers are not worth their cost.
z.config({ jitless: true });
mount(App, { target: document.getElementById('app')! });
