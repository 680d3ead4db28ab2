import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { embedLoader } from './web/embed/build-plugin.ts';
import { precompressPlugin } from './web/precompress-plugin.ts';

// The web app lives in web/, its static files in public/, and the build goes to dist/, which the coordinator serves.
export default defineConfig({
  root: 'web',
  publicDir: '../public',
  plugins: [
    // The partner widget's loader, dist/embed.js: one small classic script at a stable address (docs/embedding.md).
    embedLoader(fileURLToPath(new URL('./web/embed/loader.ts', import.meta.url))),
    svelte({ configFile: fileURLToPath(new URL('./svelte.config.js', import.meta.url)) }),
    // The service worker precaches the app shell and the kernel code (the worker chunk, WASM) so the page opens and
    // computes offline; the page registers it with workbox-window and applies an update only when asked.
    VitePWA({
      strategies: 'generateSW',
      registerType: 'prompt',
      injectRegister: false,
      manifest: false,
      filename: 'sw.js',
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest,wasm}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api\//],
        cleanupOutdatedCaches: true,
      },
    }),
    // Last: brotli and gzip copies of everything above, served as they are by the coordinator.
    precompressPlugin(),
  ],
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    // The researchers' dashboard, the public status page and the digit page are entries of their own beside the
    // volunteer app.
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('./web/index.html', import.meta.url)),
        dashboard: fileURLToPath(new URL('./web/dashboard.html', import.meta.url)),
        status: fileURLToPath(new URL('./web/status.html', import.meta.url)),
        digit: fileURLToPath(new URL('./web/digit.html', import.meta.url)),
        'widget-frame': fileURLToPath(new URL('./web/widget-frame.html', import.meta.url)),
      },
    },
  },
  worker: { format: 'es' },
  server: {
    // `npm run dev` serves the page with hot reload and forwards the API to a coordinator on its default port.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
