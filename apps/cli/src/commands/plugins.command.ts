import type { HubParts } from '@switchboard/hub';
import { EXIT, UsageError, table, type CliIo } from '../cli-io.js';

export const PLUGINS_USAGE = `Usage:
  switchboard plugins list [--json]       configured plugin instances with their health
  switchboard plugins test INSTANCE_ID [--json]
      Runs the instance's connection test; exit code 1 when it fails.
  switchboard plugins resync INSTANCE_ID (--from-start | --since DATE) [--json]
      Re-reads the instance's source (an IMAP mailbox) into the store; what is recorded is not added again.
`;

export interface PluginsArgs {
  action: string | undefined;
  positionals: string[];
  json: boolean;
  fromStart?: boolean | undefined;
  since?: string | undefined;
}

export const checkPluginsArgs = (args: PluginsArgs): void => {
  const usage = (message: string) => new UsageError(message, PLUGINS_USAGE);
  switch (args.action) {
    case 'list':
      if (args.positionals.length > 0) throw usage(`plugins list: unexpected argument ${args.positionals[0] ?? ''}`);
      return;
    case 'test':
      if (args.positionals.length !== 1) throw usage('plugins test: give exactly one instance id (see switchboard plugins list)');
      return;
    case 'resync':
      if (args.positionals.length !== 1) throw usage('plugins resync: give exactly one instance id (see switchboard plugins list)');
      if ((args.fromStart ? 1 : 0) + (args.since === undefined ? 0 : 1) !== 1) throw usage('plugins resync: give exactly one of --from-start or --since DATE');
      if (args.since !== undefined && Number.isNaN(Date.parse(args.since))) throw usage(`plugins resync: --since: not a date: ${args.since}`);
      return;
    case undefined:
      throw usage('plugins: name an action: list, test or resync');
    default:
      throw usage(`plugins: unknown action '${args.action}'`);
  }
};

export const runPlugins = async (parts: HubParts, args: PluginsArgs, io: CliIo): Promise<number> => {
  if (args.action === 'list') {
    const reports = await parts.pluginHealth();
    if (args.json) {
      io.stdout(`${JSON.stringify({ items: reports }, null, 2)}\n`);
      return EXIT.ok;
    }
    const rows = reports.map((r) => [r.id, r.name, r.version ?? '-', r.kinds.join(',') || '-', r.enabled ? 'yes' : 'no', r.health.status, r.health.detail ?? '']);
    io.stdout(table(['ID', 'PACKAGE', 'VERSION', 'KINDS', 'ENABLED', 'HEALTH', 'DETAIL'], rows));
    return EXIT.ok;
  }
  const id = args.positionals[0] ?? '';
  if (args.action === 'resync') {
    const resynced = await parts.resyncPlugin(id, args.since === undefined ? { from: 'start' } : { since: new Date(args.since) });
    if (resynced === null) {
      io.stderr(`switchboard: no enabled plugin instance '${id}'\n`);
      return EXIT.failure;
    }
    if (args.json) io.stdout(`${JSON.stringify({ id, ...resynced }, null, 2)}\n`);
    else io.stdout(`${id}: ${resynced.seen} read, ${resynced.added} added\n`);
    return EXIT.ok;
  }
  const result = await parts.testPlugin(id);
  if (result === null) {
    const known = parts.config.plugins.map((p) => `${p.id}${p.enabled ? '' : ' (disabled)'}`).join(', ');
    io.stderr(`switchboard: no enabled plugin instance '${id}'; configured: ${known}\n`);
    return EXIT.failure;
  }
  const ok = result.status !== 'down';
  if (args.json) io.stdout(`${JSON.stringify({ id, ok, detail: result.detail ?? result.status }, null, 2)}\n`);
  else io.stdout(`${id}: ${ok ? 'ok' : 'FAILED'} (${result.status}${result.detail === undefined ? '' : `: ${result.detail}`})\n`);
  return ok ? EXIT.ok : EXIT.failure;
};
