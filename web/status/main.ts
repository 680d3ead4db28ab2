/**
 * @module web/status/main
 * Entry of the public status page (status.html).
 */
import { mount } from 'svelte';
import App from './App.svelte';
import '../dashboard/dashboard.css';

mount(App, { target: document.getElementById('app')! });
