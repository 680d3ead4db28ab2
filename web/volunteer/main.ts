/**
 * @module web/volunteer/main
 * Entry of the volunteer app.
 */
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

mount(App, { target: document.getElementById('app')! });
