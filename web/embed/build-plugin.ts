/**
 * @module web/embed/build-plugin
 * Builds the partner loader (web/embed/loader.ts) into dist/embed.js during the app's own `vite build`: one
 * self-contained classic script at a stable address, which partners cannot get from a hashed module chunk.
 */
import { build, type Plugin, type Rolldown } from 'vite';

/** A Vite plugin that adds `fileName`, built from `entry` as one minified IIFE, to the bundle. */
export function embedLoader(entry: string, fileName = 'embed.js'): Plugin {
  return {
    name: 'terraflop-embed-loader',
    apply: 'build',
    async generateBundle() {
      const built = await build({
        configFile: false,
        logLevel: 'warn',
        publicDir: false,
        build: {
          write: false,
          minify: true,
          target: 'es2022',
          lib: { entry, formats: ['iife'], name: 'TerraflopEmbed', fileName: () => fileName },
        },
      });
      const outputs = (Array.isArray(built) ? built : [built]) as Rolldown.RolldownOutput[];
      const chunk = outputs.flatMap((o) => o.output).find((c) => c.type === 'chunk');
      if (!chunk) throw new Error(`the embed loader ${entry} built to no JavaScript`);
      this.emitFile({ type: 'asset', fileName, source: chunk.code });
    },
  };
}
