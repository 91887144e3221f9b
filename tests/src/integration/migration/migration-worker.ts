// A migration worker as a child process, so a test can SIGKILL it mid-run: it runs one migration
// run from an osTicket database into PostgreSQL and exits when the run ends.
import { RunMigration, systemClock } from '@switchboard/core';
import { OsticketLegacySource, type OsticketSourceOptions } from '@switchboard/legacy-osticket';
import { createPostgresStore } from '@switchboard/storage-postgres';

interface WorkerSettings {
  databaseUrl: string;
  osticket: OsticketSourceOptions;
  runId: string;
  batchSize: number;
}

const settings = JSON.parse(process.env['MIGRATION_WORKER'] ?? '{}') as WorkerSettings;
const store = createPostgresStore({ url: settings.databaseUrl, poolSize: 2 });
const source = new OsticketLegacySource(settings.osticket);
const runner = new RunMigration(store, { find: (id) => (id === 'osticket' ? source : undefined), ids: () => ['osticket'] }, systemClock, { batchSize: settings.batchSize, openTickets: 'queue' });
const run = await runner.run(settings.runId);
process.stdout.write(`${JSON.stringify({ status: run?.status ?? null })}\n`);
await source.close();
await store.close();
