import { serve } from '@hono/node-server';
import { loadHubConfig } from './config/hub-config.js';
import { createHub } from './composition-root.js';

const GRACE_MS = Number(process.env['SWITCHBOARD_SHUTDOWN_GRACE_MS'] ?? 10_000);

const main = async () => {
  const config = await loadHubConfig();
  const hub = await createHub(config);
  await hub.start();
  const server = serve({ fetch: hub.fetch, port: config.port, hostname: process.env['HOST'] ?? '0.0.0.0' }, (info) => {
    hub.logger.info({ port: info.port, role: config.role, docs: config.role === 'worker' ? undefined : `http://localhost:${info.port}/docs` }, 'listening');
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    hub.logger.info({ signal }, 'shutting down: no new requests, finishing work in flight');
    const force = setTimeout(() => process.exit(1), GRACE_MS + 5_000);
    force.unref();
    server.close(() => {
      void hub.stop(GRACE_MS).then(() => process.exit(0));
    });
    // Keep-alive connections would hold close() open; end the idle ones.
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  };
  // A plugin's stray promise must not take the hub down; the supervisor's health watch restarts it.
  process.on('unhandledRejection', (reason) => {
    hub.logger.error({ err: reason instanceof Error ? reason.message : String(reason) }, 'unhandled promise rejection');
  });
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
};

main().catch((error: unknown) => {
  // Configuration and plugin errors already name the file, the plugin and the field.
  process.stderr.write(`switchboard: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
