import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The web app lives in web/, its static files in public/, and the build goes to dist/, which the coordinator serves.
export default defineConfig({
  root: 'web',
  publicDir: '../public',
  plugins: [svelte({ configFile: fileURLToPath(new URL('./svelte.config.js', import.meta.url)) })],
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  worker: { format: 'es' },
  server: {
    // `npm run dev` serves the page with hot reload and forwards the API to a coordinator on its default port.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
