/**
 * @module web/dashboard/main
 * Entry of the researchers' dashboard (dashboard.html).
 */
import { mount } from 'svelte';
import App from './App.svelte';
import './dashboard.css';

mount(App, { target: document.getElementById('app')! });
