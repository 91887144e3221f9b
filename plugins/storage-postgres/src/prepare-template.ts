import { performance } from 'node:perf_hooks';
import { prepareEmbeddedTemplates } from './typeorm-store.js';

// Run by `npm install` (postinstall): makes the template clusters, so that the first `npm start`
// copies one instead of running initdb and the migrations. Never fails the install: without them
// the hub initialises its data folder itself.
const started = performance.now();
try {
  const dir = await prepareEmbeddedTemplates();
  process.stdout.write(`switchboard: embedded database template ready in ${dir} (${Math.round(performance.now() - started)} ms)\n`);
} catch (error) {
  process.stderr.write(`switchboard: no embedded database template (${error instanceof Error ? error.message : String(error)}); the first start will make one\n`);
}
