import { parseArgs } from 'node:util';
import { DomainError } from '@switchboard/core';
import { createLogger, loadHubConfig, openHubParts, toCoreLogger, type HubParts, type LogLevel } from '@switchboard/hub';
import { EXIT, UsageError, type CliIo } from './cli-io.js';
import { AGENTS_USAGE, checkAgentsArgs, runAgents } from './commands/agents.command.js';
import { KEYS_USAGE, checkKeysArgs, runKeys } from './commands/keys.command.js';
import { MIGRATE_USAGE, checkMigrateArgs, runMigrate } from './commands/migrate.command.js';
import { PLUGINS_USAGE, checkPluginsArgs, runPlugins } from './commands/plugins.command.js';
import { CRM_USAGE, checkCrmArgs, runCrm } from './commands/crm.command.js';
import { EXPORT_USAGE, checkExportArgs, exportUrl, runExport } from './commands/export.command.js';
import { checkImportArgs, runImport } from './commands/import.command.js';

export const USAGE = `switchboard: manage a Switchboard hub on its own database

Usage: switchboard <command> <action> [options]

Commands:
${KEYS_USAGE.replace('Usage:\n', '')}${PLUGINS_USAGE.replace('Usage:\n', '')}${AGENTS_USAGE.replace('Usage:\n', '')}${MIGRATE_USAGE.replace('Usage:\n', '')}${EXPORT_USAGE.replace('Usage:\n', '')}${CRM_USAGE.replace('Usage:\n', '')}
Options:
  --json            machine-readable output (errors too, as {"error": {message, code?, field?}} on stderr)
  --config FILE     the configuration file (else SWITCHBOARD_CONFIG, else ./switchboard.config.yaml)
  -h, --help        this help

The CLI reads the hub's environment: SWITCHBOARD_DATA_DIR (embedded store) or DATABASE_URL
(PostgreSQL), SWITCHBOARD_CONFIG. The embedded store admits one process at a time: stop the hub,
or use PostgreSQL, to run the CLI beside it.
Exit codes: 0 done, 1 failed, 2 wrong usage.
`;

const OPTIONS = {
  name: { type: 'string' },
  scopes: { type: 'string' },
  agent: { type: 'string' },
  'from-start': { type: 'boolean', default: false },
  since: { type: 'string' },
  recheck: { type: 'boolean', default: false },
  slack: { type: 'string' },
  teams: { type: 'string' },
  mode: { type: 'string' },
  sample: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  out: { type: 'string' },
  url: { type: 'string' },
  'batch-size': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Runs one command line; answers the exit code. Never throws. */
export const runCli = async (argv: readonly string[], io: CliIo): Promise<number> => {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    io.stderr(`switchboard: ${messageOf(error)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  const [command, action, ...rest] = positionals;
  if (command === undefined || command === 'help') {
    (values.help || command === 'help' ? io.stdout : io.stderr)(USAGE);
    return values.help || command === 'help' ? EXIT.ok : EXIT.usage;
  }

  let run: (parts: HubParts) => Promise<number>;
  // Commands that talk to a running hub over HTTP open no store.
  let remote: (() => Promise<number>) | undefined;
  try {
    if (command === 'keys') {
      if (values.help) return (io.stdout(KEYS_USAGE), EXIT.ok);
      const args = { action, positionals: rest, name: values.name, scopes: values.scopes, agent: values.agent, json: values.json };
      checkKeysArgs(args);
      run = (parts) => runKeys(parts, args, io);
    } else if (command === 'plugins') {
      if (values.help) return (io.stdout(PLUGINS_USAGE), EXIT.ok);
      const args = { action, positionals: rest, json: values.json, fromStart: values['from-start'], since: values.since };
      checkPluginsArgs(args);
      run = (parts) => runPlugins(parts, args, io);
    } else if (command === 'agents') {
      if (values.help) return (io.stdout(AGENTS_USAGE), EXIT.ok);
      const args = { action, positionals: rest, slack: values.slack, teams: values.teams, json: values.json };
      checkAgentsArgs(args);
      run = (parts) => runAgents(parts, args, io);
    } else if (command === 'migrate') {
      if (values.help) return (io.stdout(MIGRATE_USAGE), EXIT.ok);
      const args = {
        positionals: [action, ...rest].filter((p): p is string => p !== undefined),
        mode: values.mode,
        sample: values.sample,
        dryRun: values['dry-run'],
        json: values.json,
        tty: io.isTTY === true,
      };
      checkMigrateArgs(args);
      run = (parts) => runMigrate(parts, args, io);
    } else if (command === 'crm') {
      if (values.help) return (io.stdout(CRM_USAGE), EXIT.ok);
      const args = { action, positionals: rest, since: values.since, recheck: values.recheck, json: values.json };
      checkCrmArgs(args);
      run = (parts) => runCrm(parts, args, io, io.isTTY === true);
    } else if (command === 'export') {
      if (values.help) return (io.stdout(EXPORT_USAGE), EXIT.ok);
      const args = { positionals: [action, ...rest].filter((p): p is string => p !== undefined), out: values.out, url: values.url, json: values.json };
      checkExportArgs(args);
      run = (parts) => runExport(parts, args, io);
      if (exportUrl(args, io) !== undefined) remote = () => runExport(null, args, io);
    } else if (command === 'import' || command === 'import-switchboard') {
      if (values.help) return (io.stdout(EXPORT_USAGE), EXIT.ok);
      const args = { positionals: [action, ...rest].filter((p): p is string => p !== undefined), batchSize: values['batch-size'], json: values.json };
      checkImportArgs(args);
      run = (parts) => runImport(parts, args, io);
    } else {
      throw new UsageError(`unknown command '${command}'`, USAGE);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`switchboard: ${error.message}\n\n${error.usage}`);
    return EXIT.usage;
  }

  let parts: HubParts | undefined;
  try {
    if (remote !== undefined) return await remote();
    const env = values.config === undefined ? io.env : { ...io.env, SWITCHBOARD_CONFIG: values.config };
    const config = await loadHubConfig(env, io.cwd);
    // Plugin logs go to stderr, quietly: stdout is the command's answer.
    const level: LogLevel = env['LOG_LEVEL'] === undefined ? 'warn' : config.logLevel;
    const logger = toCoreLogger(createLogger({ level, destination: { write: (line: string) => io.stderr(line) } }));
    parts = await openHubParts(config, { env, logger });
    return await run(parts);
  } catch (error) {
    if (values.json) {
      const domain = error instanceof DomainError ? { code: error.code, kind: error.kind, ...(error.field === undefined ? {} : { field: error.field }) } : {};
      io.stderr(`${JSON.stringify({ error: { message: messageOf(error), ...domain } })}\n`);
      return EXIT.failure;
    }
    const field = error instanceof DomainError && error.field !== undefined && !error.message.startsWith(`${error.field}:`) ? `${error.field}: ` : '';
    io.stderr(`switchboard: ${field}${messageOf(error)}\n`);
    return EXIT.failure;
  } finally {
    await parts?.close().catch((error: unknown) => io.stderr(`switchboard: closing the store failed: ${messageOf(error)}\n`));
  }
};
