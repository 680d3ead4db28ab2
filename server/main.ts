/**
 * @module server/main
 * `npm start` ends here: start the coordinator on its configuration (embedded defaults unless the environment
 * says otherwise), print the address to open, and stop cleanly on SIGINT or SIGTERM.
 */
import { loadConfig } from './config.ts';
import { startCoordinator } from './coordinator.ts';

const config = loadConfig();
const coordinator = await startCoordinator(config);
console.log(`Terraflop coordinator ready: open ${coordinator.url} to contribute`);
console.log(`  data: ${config.TERRAFLOP_DATA}/  demo units: ${config.TERRAFLOP_DEMO}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`${signal}: stopping`);
    void coordinator.close().then(() => process.exit(0));
  });
}
