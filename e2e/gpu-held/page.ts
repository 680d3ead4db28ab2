/**
 * @module e2e/gpu-held/page
 * The test page of a retry after a runaway shader: bundled by the spec with Vite and loaded in Chromium, it runs the
 * compute worker's part with the real code (retry.ts).
 */
import { retryAfterRunaway } from './retry.ts';

const page = { retryAfterRunaway };

declare global {
  interface Window {
    gpuHeld: typeof page;
  }
}
window.gpuHeld = page;
document.title = 'gpu-held ready';
