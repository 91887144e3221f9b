import { runImapBench } from './imap.bench.js';
import { runDeskBench } from './desk.bench.js';
import { runExportBench } from './export.bench.js';
import { runIdentityBench } from './identity.bench.js';
import { runIngestBench } from './ingest.bench.js';
import { runLegacyReadBench } from './legacy-read.bench.js';
import { runMigrationBench } from './migration.bench.js';
import { runStartupBench } from './startup.bench.js';
import { runTeamsBench } from './teams.bench.js';
import { runTimelineBench } from './timeline.bench.js';
import { runCrmBench } from './crm.bench.js';

// npm run bench                  every section, start-up first
// npm run bench -- startup       one section (or BENCH_ONLY=<section>)
const SECTIONS = {
  startup: runStartupBench,
  ingest: runIngestBench,
  identity: runIdentityBench,
  timeline: runTimelineBench,
  legacy: runLegacyReadBench,
  migration: runMigrationBench,
  teams: runTeamsBench,
  desk: runDeskBench,
  imap: runImapBench,
  crm: runCrmBench,
  export: runExportBench,
} as const;
type Section = keyof typeof SECTIONS;

const isSection = (name: string): name is Section => Object.hasOwn(SECTIONS, name);

const chosen = (): Section[] => {
  const named = [...process.argv.slice(2), ...(process.env['BENCH_ONLY'] ?? '').split(',')].map((s) => s.trim()).filter(Boolean);
  for (const name of named) {
    if (!isSection(name)) throw new Error(`unknown bench section '${name}'; choose from ${Object.keys(SECTIONS).join(', ')}`);
  }
  return (named.length === 0 ? Object.keys(SECTIONS) : named).filter(isSection);
};

const main = async () => {
  for (const [index, section] of chosen().entries()) {
    if (index > 0) console.log('');
    await SECTIONS[section]();
  }
};

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
