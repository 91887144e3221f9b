import { afterAll, beforeAll } from 'vitest';
import type { ResultSetHeader } from 'mysql2/promise';
import { legacyExternalId } from '@switchboard/core';
import { runLegacySourceContract } from '@switchboard/core/testing';
import { openTestMariadb, type MariadbServer } from '../testing/index.js';
import { osticketFixture } from './fixture.js';

let server: MariadbServer;
beforeAll(async () => {
  server = await openTestMariadb();
});
afterAll(async () => {
  await server.stop();
});

runLegacySourceContract('osTicket on MariaDB', async () => {
  const fixture = await osticketFixture(server, { users: 6, tickets: 8, entries: 20, seed: 11 });
  return {
    source: fixture.source,
    // A customer writes again on ticket 1: a new thread entry, the ticket row untouched.
    async change() {
      const [result] = await fixture.sql.query<ResultSetHeader>(
        "INSERT INTO ost_thread_entry (thread_id, user_id, type, poster, body, format, created, updated) VALUES (1, 1, 'M', '', 'One more thing', 'text', NOW(), NOW())",
      );
      return legacyExternalId('osticket', 'entry', result.insertId);
    },
    dispose: () => fixture.dispose(),
  };
});
