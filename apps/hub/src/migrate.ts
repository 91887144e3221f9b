import { loadHubConfig } from './config/hub-config.js';
import { openHubParts } from './hub-parts.js';

// `npm run migrate`: applies the storage plugin's migrations and exits (the hub also does this at start).
const run = async () => {
  const parts = await openHubParts(await loadHubConfig());
  await parts.close();
  process.stdout.write('switchboard migrate: migrations applied\n');
};

run().catch((error: unknown) => {
  process.stderr.write(`switchboard migrate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
