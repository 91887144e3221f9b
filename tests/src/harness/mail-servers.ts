import { afterAll, beforeAll } from 'vitest';
import { startDovecot, type DovecotServer } from './dovecot-server.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';

// Vitest-only (not exported from the harness index, which benches load too).

/** Dovecot and an SMTP sink for the enclosing describe block: started before its tests, stopped after them. */
export const useMailServers = (): { readonly dovecot: DovecotServer; readonly sink: SmtpSink } => {
  const servers = {} as { dovecot: DovecotServer; sink: SmtpSink };
  beforeAll(async () => {
    [servers.dovecot, servers.sink] = await Promise.all([startDovecot(), startSmtpSink()]);
  });
  afterAll(async () => {
    await Promise.all([servers.dovecot?.stop(), servers.sink?.stop()]);
  });
  return servers;
};
