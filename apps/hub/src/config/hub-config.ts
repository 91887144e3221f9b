import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { DEFAULT_WEBHOOK_SETTINGS, MIN_SECRET_KEY_LENGTH, RESOLUTION_RULES, isPhoneRegion, type CrmSettings, type IdentitySettings, type WebhookSettings } from '@switchboard/core';
import { z } from 'zod';

export type HubRole = 'all' | 'api' | 'worker';
export const HUB_ROLES: readonly HubRole[] = ['all', 'api', 'worker'];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** One plugin instance the hub should load. */
export interface PluginSpec {
  /** Instance id, `[a-z0-9-]+`, unique in the configuration. */
  id: string;
  /** npm package name, or a path (starting with `.` or `/`) resolved against `resolveFrom`. */
  use: string;
  enabled: boolean;
  /** As written in the configuration: secret fields are still references (`{ env: NAME }`). */
  config: Record<string, unknown>;
  /** The folder `use` is resolved from: the configuration file's folder, or the working directory. */
  resolveFrom: string;
  /** Where the instance was declared, for error messages (`switchboard.config.yaml: plugins[0]`, `built-in`). */
  source?: string;
  /** Legacy sources: a scheduled delta every this many seconds while the legacy system stays live. */
  sync?: { everySeconds: number } | undefined;
}

export interface HubSettings {
  bodyLimit: number;
  continuityWindowSeconds: number;
  offerExpiry: { setAway: boolean };
  /** Presence and decline behaviour of the router (defaults: requeue on offline, 30 s decline cool-down). */
  routing?: { requeueOnOffline: boolean; declineCooldownSeconds: number };
  delivery: { maxAttempts: number; baseDelayMs: number };
  sweepIntervalMs: number;
  /** channel name → default queue name */
  channelQueues: Record<string, string>;
  identity: IdentitySettings;
  /** Outbound webhook delivery (`hub.webhooks`); the defaults when absent (off for private networks). */
  webhooks?: WebhookSettings;
  /** Migration runs from legacy sources: records per batch, and what open tickets become. */
  migration?: { batchSize: number; openTickets: 'queue' | 'record' } | undefined;
  /** CRM sync: contact facts cached this long, attempts per entry before it is dead, the lease of one attempt. */
  crm?: CrmSettings | undefined;
}

export interface HubConfig {
  port: number;
  dataDir: string;
  role: HubRole;
  adminKey?: string;
  metricsKey?: string;
  /** `SWITCHBOARD_SECRET_KEY`: seals the secrets the hub generates (webhook signing secrets) at rest. */
  secretKey?: string;
  /** `SWITCHBOARD_SECRET_KEY_PREVIOUS` (comma-separated): keys that still open what they sealed, until resealed. */
  previousSecretKeys?: string[];
  logLevel: LogLevel;
  /** Absolute path of the configuration file read, or null when there is none. */
  configFile: string | null;
  hub: HubSettings;
  plugins: PluginSpec[];
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const STORAGE_BUILTINS: readonly string[] = ['@switchboard/storage-postgres'];
export const QUEUE_BUILTINS: readonly string[] = ['@switchboard/queue-bullmq', '@switchboard/queue-local'];
export const BLOB_BUILTINS: readonly string[] = ['@switchboard/blob-fs'];
export const DEFAULT_CONFIG_FILE = 'switchboard.config.yaml';

const positiveInt = z.number().int().positive();

const hubSchema = z.strictObject({
  bodyLimit: positiveInt.default(1_048_576),
  continuityWindowSeconds: z.number().int().nonnegative().default(604_800),
  // prefault, not default: zod 4 returns a default as-is, so inner defaults would be skipped.
  offerExpiry: z.strictObject({ setAway: z.boolean().default(true) }).prefault({}),
  routing: z
    .strictObject({ requeueOnOffline: z.boolean().default(true), declineCooldownSeconds: z.number().int().min(0).max(86_400).default(30) })
    .prefault({}),
  delivery: z
    .strictObject({ maxAttempts: positiveInt.default(8), baseDelayMs: positiveInt.default(2000) })
    .prefault({}),
  sweepIntervalMs: positiveInt.default(2000),
  channelQueues: z.record(z.string().min(1), z.string().min(1)).default({}),
  identity: z
    .strictObject({
      defaultRegion: z
        .string()
        .refine(isPhoneRegion, 'a region code the phone number metadata knows, ISO 3166-1 alpha-2 in capitals (GB, US, DE…)')
        .nullable()
        .default(null),
      rules: z
        .array(z.enum(RESOLUTION_RULES))
        .refine((rules) => new Set(rules).size === rules.length, 'each rule at most once')
        .default([...RESOLUTION_RULES]),
    })
    .prefault({}),
  webhooks: z
    .strictObject({
      allowPrivateNetworks: z.boolean().default(DEFAULT_WEBHOOK_SETTINGS.allowPrivateNetworks),
      timeoutMs: z.number().int().min(100).max(120_000).default(DEFAULT_WEBHOOK_SETTINGS.timeoutMs),
      baseDelayMs: positiveInt.default(DEFAULT_WEBHOOK_SETTINGS.baseDelayMs),
      maxDelayMs: positiveInt.default(DEFAULT_WEBHOOK_SETTINGS.maxDelayMs),
      disableAfterFailures: z.number().int().min(1).max(1000).default(DEFAULT_WEBHOOK_SETTINGS.disableAfterFailures),
    })
    .prefault({}),
  migration: z
    .strictObject({ batchSize: z.number().int().min(1).max(10_000).default(1000), openTickets: z.enum(['queue', 'record']).default('queue') })
    .prefault({}),
  crm: z
    .strictObject({
      factsTtlSeconds: z.number().int().min(0).max(86_400).default(300),
      maxAttempts: positiveInt.max(100).default(8),
      leaseSeconds: positiveInt.max(3600).default(30),
    })
    .prefault({}),
});

const pluginEntrySchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/, 'an instance id is made of [a-z0-9-]'),
  use: z.string().min(1, 'names an npm package or a path'),
  enabled: z.boolean().default(true),
  config: z.record(z.string(), z.unknown()).default({}),
  /** Legacy sources only: scheduled deltas while the legacy system stays live (coexistence). */
  sync: z.strictObject({ everySeconds: z.number().int().min(10).max(86_400) }).optional(),
});

const fileSchema = z.strictObject({
  hub: hubSchema.prefault({}),
  plugins: z.array(pluginEntrySchema).default([]),
});

/**
 * Reads the process settings (environment, see API.md) and the optional configuration file.
 * Throws `ConfigError` naming the variable, or the file, plugin instance and field at fault.
 */
export const loadHubConfig = async (env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<HubConfig> => {
  const port = parsePort(envValue(env, 'PORT'));
  const dataDir = resolve(cwd, envValue(env, 'SWITCHBOARD_DATA_DIR') ?? './.switchboard');
  const role = parseRole(envValue(env, 'SWITCHBOARD_ROLE'));
  const logLevel = parseLogLevel(envValue(env, 'LOG_LEVEL'));
  const databaseUrl = envValue(env, 'DATABASE_URL');
  const redisUrl = envValue(env, 'REDIS_URL');
  checkUrl('DATABASE_URL', databaseUrl, ['postgres:', 'postgresql:']);
  checkUrl('REDIS_URL', redisUrl, ['redis:', 'rediss:']);
  const adminKey = envValue(env, 'SWITCHBOARD_ADMIN_KEY');
  const metricsKey = envValue(env, 'SWITCHBOARD_METRICS_KEY');
  const secretKey = envValue(env, 'SWITCHBOARD_SECRET_KEY');
  const previousSecretKeys = (envValue(env, 'SWITCHBOARD_SECRET_KEY_PREVIOUS') ?? '').split(',').map((k) => k.trim()).filter((k) => k.length > 0);
  for (const [name, keys] of [['SWITCHBOARD_SECRET_KEY', secretKey === undefined ? [] : [secretKey]], ['SWITCHBOARD_SECRET_KEY_PREVIOUS', previousSecretKeys]] as const) {
    if (keys.some((k) => k.length < MIN_SECRET_KEY_LENGTH)) {
      throw new ConfigError(`${name}: a key is at least ${MIN_SECRET_KEY_LENGTH} characters (make one with: openssl rand -base64 32)`);
    }
  }

  const configFile = locateConfigFile(envValue(env, 'SWITCHBOARD_CONFIG'), cwd);
  const baseDir = configFile === null ? cwd : dirname(configFile);
  const label = configFile === null ? '' : displayPath(configFile, cwd);
  const file = configFile === null ? fileSchema.parse({}) : await readConfigFile(configFile, label);

  const declared: PluginSpec[] = file.plugins.map((entry, index) => ({
    id: entry.id,
    use: entry.use,
    enabled: entry.enabled,
    config: entry.config,
    resolveFrom: baseDir,
    source: `${label}: plugins[${index}]`,
    ...(entry.sync === undefined ? {} : { sync: entry.sync }),
  }));

  const builtIns: PluginSpec[] = [];
  const builtIn = (id: string, use: string, config: Record<string, unknown>): PluginSpec => ({
    id,
    use,
    enabled: true,
    config,
    resolveFrom: baseDir,
    source: 'built-in',
  });
  if (countEnabled(declared, STORAGE_BUILTINS, label, 'storage') === 0) {
    const config = databaseUrl === undefined ? { dataDir: join(dataDir, 'db') } : { url: { env: 'DATABASE_URL' } };
    builtIns.push(builtIn('store', '@switchboard/storage-postgres', config));
  }
  if (countEnabled(declared, QUEUE_BUILTINS, label, 'queue') === 0) {
    builtIns.push(
      redisUrl === undefined
        ? builtIn('queue', '@switchboard/queue-local', {})
        : builtIn('queue', '@switchboard/queue-bullmq', { url: { env: 'REDIS_URL' } }),
    );
  }
  // Attachments need somewhere to go: blobs in the instance's data folder unless configured otherwise.
  if (!declared.some((spec) => spec.enabled && BLOB_BUILTINS.includes(spec.use))) {
    builtIns.push(builtIn('blobs', '@switchboard/blob-fs', {}));
  }
  const trailing = configFile === null ? [builtIn('webhook', '@switchboard/channel-webhook', {})] : [];

  // Storage, queue and blobs come first: everything else depends on them.
  const plugins = [...builtIns, ...declared, ...trailing];
  for (const spec of builtIns) {
    const clash = declared.find((other) => other.id === spec.id);
    if (clash !== undefined) {
      throw new ConfigError(
        `${clash.source ?? label} (${clash.id}): id: '${spec.id}' is reserved for the built-in ${spec.use}; choose another id or configure ${spec.use} yourself`,
      );
    }
  }

  const config: HubConfig = { port, dataDir, role, logLevel, configFile, hub: file.hub, plugins };
  if (adminKey !== undefined) config.adminKey = adminKey;
  if (metricsKey !== undefined) config.metricsKey = metricsKey;
  if (secretKey !== undefined) config.secretKey = secretKey;
  if (previousSecretKeys.length > 0) config.previousSecretKeys = previousSecretKeys;
  return config;
};

// An empty variable counts as unset, as shells and compose files often leave them so.
const envValue = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

const parsePort = (value: string | undefined): number => {
  if (value === undefined) return 3000;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new ConfigError(`PORT: expected an integer between 0 and 65535, got '${value}'`);
  }
  return port;
};

const parseRole = (value: string | undefined): HubRole => {
  if (value === undefined) return 'all';
  const role = HUB_ROLES.find((candidate) => candidate === value);
  if (role === undefined) throw new ConfigError(`SWITCHBOARD_ROLE: expected one of ${HUB_ROLES.join(', ')}, got '${value}'`);
  return role;
};

const parseLogLevel = (value: string | undefined): LogLevel => {
  if (value === undefined) return 'info';
  const level = LOG_LEVELS.find((candidate) => candidate === value.toLowerCase());
  if (level === undefined) throw new ConfigError(`LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got '${value}'`);
  return level;
};

// Connection strings carry passwords: the message names the variable, never echoes the value.
const checkUrl = (name: string, value: string | undefined, protocols: readonly string[]): void => {
  if (value === undefined) return;
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    throw new ConfigError(`${name}: not a valid URL (expected ${protocols.map((p) => `${p}//…`).join(' or ')})`);
  }
  if (!protocols.includes(protocol)) {
    throw new ConfigError(`${name}: expected ${protocols.map((p) => `${p}//…`).join(' or ')}, got a ${protocol}// URL`);
  }
};

const locateConfigFile = (given: string | undefined, cwd: string): string | null => {
  if (given !== undefined) {
    const path = resolve(cwd, given);
    if (!existsSync(path)) throw new ConfigError(`SWITCHBOARD_CONFIG: file not found: ${path}`);
    return path;
  }
  const fallback = join(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(fallback) ? fallback : null;
};

const displayPath = (path: string, cwd: string): string => {
  const rel = relative(cwd, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
};

const readConfigFile = async (path: string, label: string): Promise<z.output<typeof fileSchema>> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${label}: cannot read the file: ${error instanceof Error ? error.message : String(error)}`);
  }
  const document = parseDocument(text, { prettyErrors: true });
  const [first] = document.errors;
  if (first !== undefined) throw new ConfigError(`${label}: invalid YAML: ${first.message}`);
  // An empty file is a valid, empty configuration.
  const raw: unknown = document.toJS() ?? {};
  const result = fileSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.flatMap((issue) => describeIssue(issue, raw, label));
    throw new ConfigError(lines.join('\n'));
  }
  const seen = new Map<string, number>();
  for (const [index, entry] of result.data.plugins.entries()) {
    const previous = seen.get(entry.id);
    if (previous !== undefined) {
      throw new ConfigError(`${label}: plugins[${index}] (${entry.id}): id: already used by plugins[${previous}]`);
    }
    seen.set(entry.id, index);
  }
  return result.data;
};

const describeIssue = (issue: z.core.$ZodIssue, raw: unknown, label: string): string[] => {
  const at = (path: readonly PropertyKey[]) => `${label}: ${formatPath(path, raw)}`;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${at([...issue.path, key])}: unknown key`);
  }
  return [`${at(issue.path)}: ${issue.message}`];
};

/** `plugins[0] (webhook): config.callbackUrl`, `hub.delivery.maxAttempts`. */
const formatPath = (path: readonly PropertyKey[], raw: unknown): string => {
  const [head, index, ...rest] = path;
  if (head === 'plugins' && typeof index === 'number') {
    const id = pluginIdAt(raw, index);
    const prefix = `plugins[${index}]${id === undefined ? '' : ` (${id})`}`;
    return rest.length === 0 ? prefix : `${prefix}: ${dotted(rest)}`;
  }
  return path.length === 0 ? '(top level)' : dotted(path);
};

const dotted = (path: readonly PropertyKey[]): string =>
  path.map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : `${i === 0 ? '' : '.'}${String(segment)}`)).join('');

const pluginIdAt = (raw: unknown, index: number): string | undefined => {
  if (!isRecord(raw) || !Array.isArray(raw['plugins'])) return undefined;
  const entry: unknown = raw['plugins'][index];
  return isRecord(entry) && typeof entry['id'] === 'string' ? entry['id'] : undefined;
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const countEnabled = (specs: PluginSpec[], builtIns: readonly string[], label: string, kind: string): number => {
  const matching = specs.filter((spec) => spec.enabled && builtIns.includes(spec.use));
  if (matching.length > 1) {
    throw new ConfigError(
      `${label}: plugins: exactly one ${kind} plugin may be enabled, found ${matching.map((spec) => spec.id).join(', ')}`,
    );
  }
  return matching.length;
};
