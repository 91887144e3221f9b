import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PLUGIN_KIND_MEMBERS, PLUGIN_KINDS, SUPPORTED_PLUGIN_API_VERSIONS, parseSecretPath, secretPathsOf } from '@switchboard/core';
import type { BasePluginContext, ConfigPathPattern, PluginContext, PluginInstance, PluginKind, PluginManifest } from '@switchboard/core';
import type { PluginSpec } from '../config/hub-config.js';
import { importModule } from './precompiled-modules.js';
import {
  SecretResolutionError,
  formatConfigPath,
  makeRedactor,
  redactConfig,
  redactingLogger,
  resolveConfigSecrets,
  scrubbedError,
} from './plugin-secrets.js';

/** What the hub offers a plugin: the base, and the parts of the kinds it declares. */
export type OfferedPluginContext = BasePluginContext & Partial<Omit<PluginContext, keyof BasePluginContext>>;

/** A manifest as the loader checked it: secrets as field paths, create() typed for any kinds. */
export interface LoadedManifest extends Omit<PluginManifest, 'create' | 'secrets'> {
  secrets: readonly string[];
  /** Secret fields, from `secret()` marks in the schema and the `secrets` list. */
  secretPaths: readonly ConfigPathPattern[];
  create(context: OfferedPluginContext, config: unknown): Promise<PluginInstance>;
}

export interface LoadedPlugin {
  spec: PluginSpec;
  manifest: LoadedManifest;
  instance: PluginInstance;
  /** The configuration as written, with secret fields and references replaced by '[redacted]': safe to log and return. */
  publicConfig: Record<string, unknown>;
  /** Scrubs this instance's secret values from a text (health detail, error messages) before it leaves the hub. */
  redact(text: string): string;
}

export interface LoadPluginsOptions {
  env: NodeJS.ProcessEnv;
  /** The context for an instance: the base, plus what its declared kinds need. */
  contextFor(spec: PluginSpec, kinds: readonly PluginKind[]): OfferedPluginContext;
}

export class PluginLoadError extends Error {
  readonly instanceId: string;
  readonly packageName: string;
  readonly field: string | undefined;

  constructor(spec: Pick<PluginSpec, 'id' | 'use' | 'source'>, message: string, options: { field?: string; cause?: unknown } = {}) {
    const where = spec.source === undefined || spec.source === 'built-in' ? 'plugin' : spec.source;
    const field = options.field === undefined ? '' : `${options.field}: `;
    super(`${where} (${spec.id}, package ${spec.use}): ${field}${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PluginLoadError';
    this.instanceId = spec.id;
    this.packageName = spec.use;
    this.field = options.field;
  }
}

/**
 * Loads, validates and creates the enabled plugin instances, in order. Nothing is started here;
 * see PluginSupervisor. Throws PluginLoadError on the first instance that cannot be loaded.
 */
export const loadPlugins = async (specs: PluginSpec[], options: LoadPluginsOptions): Promise<LoadedPlugin[]> => {
  const loaded: LoadedPlugin[] = [];
  try {
    for (const spec of specs) {
      if (!spec.enabled) continue;
      const plugin = await loadPlugin(spec, options);
      checkChannelClash(plugin, loaded);
      loaded.push(plugin);
    }
  } catch (error) {
    // Created instances may hold connections already: release them before failing the boot.
    for (const plugin of [...loaded].reverse()) await plugin.instance.stop?.().catch(() => undefined);
    throw error;
  }
  return loaded;
};

const loadPlugin = async (spec: PluginSpec, options: LoadPluginsOptions): Promise<LoadedPlugin> => {
  const module = await importPlugin(spec);
  const manifest = pickManifest(spec, module);
  if (!SUPPORTED_PLUGIN_API_VERSIONS.includes(manifest.apiVersion)) {
    throw new PluginLoadError(
      spec,
      `written for plugin API version ${manifest.apiVersion}, this hub supports ${SUPPORTED_PLUGIN_API_VERSIONS.join(', ')}`,
      { field: 'apiVersion' },
    );
  }
  let resolved: Awaited<ReturnType<typeof resolveConfigSecrets>>;
  try {
    resolved = await resolveConfigSecrets(spec.config, manifest.secretPaths, { env: options.env, resolveFrom: spec.resolveFrom });
  } catch (error) {
    if (error instanceof SecretResolutionError) throw new PluginLoadError(spec, error.message, { field: error.field });
    throw error;
  }
  const redact = makeRedactor(resolved.values);
  const parsed = manifest.configSchema.safeParse(resolved.config);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const field = formatConfigPath((first?.path ?? []).map((segment) => (typeof segment === 'number' ? segment : String(segment))));
    const rest = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
    // A custom message may quote the value it refused: never let a secret out that way.
    throw new PluginLoadError(spec, redact(`${first?.message ?? 'invalid'}${rest}`), { field });
  }
  const offered = options.contextFor(spec, manifest.kinds);
  const context: OfferedPluginContext = { ...offered, logger: redactingLogger(offered.logger, redact) };
  try {
    await mkdir(context.dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new PluginLoadError(spec, `cannot create the data folder ${context.dataDir}: ${messageOf(error)}`);
  }
  let instance: PluginInstance;
  try {
    instance = await manifest.create(context, parsed.data);
  } catch (error) {
    throw new PluginLoadError(spec, `create() failed: ${redact(messageOf(error))}`, { cause: scrubbedError(error, redact) });
  }
  try {
    checkInstance(spec, manifest, instance);
  } catch (error) {
    // It may hold connections already.
    await instance.stop?.().catch(() => undefined);
    throw error;
  }
  return { spec, manifest, instance, publicConfig: redactConfig(spec.config, manifest.secretPaths), redact };
};

// --- resolution -------------------------------------------------------------------------------

const isPath = (use: string) => use.startsWith('.') || isAbsolute(use);

const importPlugin = async (spec: PluginSpec): Promise<unknown> => {
  const target = isPath(spec.use) ? resolvePath(spec) : resolvePackage(spec);
  try {
    return await importModule(target);
  } catch (error) {
    throw new PluginLoadError(spec, `cannot import ${target}: ${messageOf(error)}`, { cause: error });
  }
};

const resolvePath = (spec: PluginSpec): string => {
  const path = resolve(spec.resolveFrom, spec.use);
  if (!existsSync(path)) throw new PluginLoadError(spec, `no file or folder at ${path}`);
  const entry = statSync(path).isDirectory() ? packageEntry(path) : path;
  if (entry === undefined) throw new PluginLoadError(spec, `${path} has no package.json entry point`);
  return pathToFileURL(entry).href;
};

/** An import() specifier for the package: a file URL when found from resolveFrom, else the bare name. */
const resolvePackage = (spec: PluginSpec): string => {
  const require = createRequire(join(spec.resolveFrom, 'noop.js'));
  try {
    return pathToFileURL(require.resolve(spec.use)).href;
  } catch {
    // require.resolve fails on ESM packages whose exports only have an "import" condition.
  }
  const found = findPackageDir(spec.use, spec.resolveFrom);
  if (found !== undefined) {
    const entry = packageEntry(found.dir, found.subpath);
    if (entry !== undefined) return pathToFileURL(entry).href;
  }
  // The hub's own dependencies (built-in plugins) resolve from here.
  try {
    return import.meta.resolve(spec.use);
  } catch {
    if (found === undefined && !hubCanImport(spec.use)) {
      throw new PluginLoadError(spec, `package not found (looked from ${spec.resolveFrom} and from the hub); is it installed?`);
    }
    return spec.use;
  }
};

const hubCanImport = (name: string): boolean => {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return findPackageDir(name, dirname(fileURLToPath(import.meta.url))) !== undefined;
  }
};

const splitPackageName = (use: string): { name: string; subpath: string } => {
  const parts = use.split('/');
  const count = use.startsWith('@') ? 2 : 1;
  const rest = parts.slice(count).join('/');
  return { name: parts.slice(0, count).join('/'), subpath: rest === '' ? '.' : `./${rest}` };
};

const findPackageDir = (use: string, from: string): { dir: string; subpath: string } | undefined => {
  const { name, subpath } = splitPackageName(use);
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return { dir: candidate, subpath };
    if (dirname(dir) === dir) return undefined;
  }
};

const CONDITIONS = ['import', 'node', 'default', 'module', 'require'];

/** Reads a package's entry point from its package.json: exports (import condition first), main, index.js. */
const packageEntry = (dir: string, subpath = '.'): string | undefined => {
  const manifestPath = join(dir, 'package.json');
  if (!existsSync(manifestPath)) {
    const index = join(dir, 'index.js');
    return subpath === '.' && existsSync(index) ? index : undefined;
  }
  const pkg: unknown = JSON.parse(readFileText(manifestPath));
  if (!isRecord(pkg)) return undefined;
  const exportsField = pkg['exports'];
  if (exportsField !== undefined) {
    const target = exportTarget(exportsField, subpath);
    return target === undefined ? undefined : join(dir, target);
  }
  if (subpath !== '.') return join(dir, subpath);
  const main = typeof pkg['main'] === 'string' ? pkg['main'] : 'index.js';
  return join(dir, main);
};

const exportTarget = (exportsField: unknown, subpath: string): string | undefined => {
  if (typeof exportsField === 'string') return subpath === '.' ? exportsField : undefined;
  if (Array.isArray(exportsField)) {
    for (const item of exportsField) {
      const target = exportTarget(item, subpath);
      if (target !== undefined) return target;
    }
    return undefined;
  }
  if (!isRecord(exportsField)) return undefined;
  const keys = Object.keys(exportsField);
  // A subpath map ({".": …, "./x": …}) versus a conditions map ({import: …, default: …}).
  if (keys.some((key) => key.startsWith('.'))) return pickCondition(exportsField[subpath]);
  return subpath === '.' ? pickCondition(exportsField) : undefined;
};

const pickCondition = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  if (!isRecord(value)) return undefined;
  for (const condition of CONDITIONS) {
    const target = pickCondition(value[condition]);
    if (target !== undefined) return target;
  }
  return undefined;
};

// Resolution is synchronous like require.resolve; package.json files are tiny.
const readFileText = (path: string): string => readFileSync(path, 'utf8');

// --- manifest checks --------------------------------------------------------------------------

interface SchemaLike {
  safeParse(data: unknown): { success: true; data: unknown } | { success: false; error: { issues: IssueLike[] } };
}
interface IssueLike {
  path: PropertyKey[];
  message: string;
}

const isPluginKind = (value: unknown): value is PluginKind => PLUGIN_KINDS.some((kind) => kind === value);

const pickManifest = (spec: PluginSpec, module: unknown): LoadedManifest => {
  if (!isRecord(module)) throw new PluginLoadError(spec, 'the module has no exports');
  let candidate: unknown = module['default'];
  // CommonJS compiled from ESM puts the manifest one level deeper.
  if (isRecord(candidate) && !('create' in candidate) && isRecord(candidate['default'])) candidate = candidate['default'];
  if (!isRecord(candidate)) throw new PluginLoadError(spec, 'the package has no default export; a plugin default-exports definePlugin({...})');
  const fail = (field: string, message: string): never => {
    throw new PluginLoadError(spec, `not a Switchboard plugin manifest: ${message}`, { field });
  };
  const { id, displayName, version, apiVersion, kinds, configSchema, secrets, create } = candidate;
  if (typeof id !== 'string' || id === '') return fail('id', 'expected the package name');
  if (typeof apiVersion !== 'number') return fail('apiVersion', 'expected a number');
  if (!Array.isArray(kinds) || kinds.length === 0) return fail('kinds', `expected a list of ${PLUGIN_KINDS.join(', ')}`);
  const checkedKinds = kinds.filter(isPluginKind);
  if (checkedKinds.length !== kinds.length) return fail('kinds', `expected only ${PLUGIN_KINDS.join(', ')}`);
  if (!isSchemaLike(configSchema)) return fail('configSchema', 'expected a zod schema');
  if (typeof create !== 'function') return fail('create', 'expected a function');
  if (secrets !== undefined && !(Array.isArray(secrets) && secrets.every((s) => typeof s === 'string'))) {
    return fail('secrets', 'expected a list of field paths');
  }
  const secretFields: string[] = Array.isArray(secrets) ? secrets.filter((s): s is string => typeof s === 'string') : [];
  return {
    id,
    displayName: typeof displayName === 'string' ? displayName : id,
    version: typeof version === 'string' ? version : 'unknown',
    apiVersion,
    kinds: checkedKinds,
    configSchema,
    secrets: secretFields,
    // Marks in the schema first; the list covers schemas that cannot carry them.
    secretPaths: [...secretPathsOf(configSchema), ...secretFields.map(parseSecretPath)],
    create: async (context, config) => {
      const instance: unknown = await Reflect.apply(create, candidate, [context, config]);
      if (!isPluginInstance(instance)) throw new Error('create() must return an object with a health() function');
      return instance;
    },
  };
};

// A duck-typed check: a plugin may bundle its own copy of zod (or another library with safeParse).
// The hub only calls safeParse, so that is all the manifest is held to.
const isSchemaLike = (value: unknown): value is PluginManifest['configSchema'] & SchemaLike =>
  isRecord(value) && typeof value['safeParse'] === 'function';

const isPluginInstance = (value: unknown): value is PluginInstance => isRecord(value) && typeof value['health'] === 'function';

const hasFunctions = (value: unknown, names: readonly string[]): boolean =>
  isRecord(value) && names.every((name) => typeof value[name] === 'function');

// Enough of each port's shape to fail at boot rather than on the first call.
const MEMBER_CHECKS: Record<PluginKind, (value: unknown) => boolean> = {
  channel: (value) => hasFunctions(value, ['send']) && isRecord(value) && typeof value['channel'] === 'string',
  desk: (value) => hasFunctions(value, ['reaches', 'deliverOffer', 'updateOffer', 'postToThread', 'notify']),
  crm: (value) => hasFunctions(value, ['findContacts', 'upsertContact', 'logInteraction', 'state']),
  legacy: (value) => hasFunctions(value, ['describe', 'read', 'changesSince', 'testConnection']),
  blob: (value) => hasFunctions(value, ['put', 'get', 'has', 'delete']),
  storage: (value) => hasFunctions(value, ['transaction', 'read', 'migrate', 'health']),
  queue: (value) => hasFunctions(value, ['register', 'enqueue', 'start', 'stop']),
};

/** Each declared kind has its member, of the right shape; no member stands without its kind. */
const checkInstance = (spec: PluginSpec, manifest: LoadedManifest, instance: PluginInstance): void => {
  for (const kind of PLUGIN_KINDS) {
    const member = PLUGIN_KIND_MEMBERS[kind];
    const value: unknown = instance[member];
    const declared = manifest.kinds.includes(kind);
    if (declared && value === undefined) {
      throw new PluginLoadError(spec, `declares kind '${kind}' but create() returned no ${member}`, { field: member });
    }
    if (declared && !MEMBER_CHECKS[kind](value)) {
      throw new PluginLoadError(spec, `create() returned a ${member} that is not a ${kind} (missing functions)`, { field: member });
    }
    if (!declared && value !== undefined) {
      throw new PluginLoadError(spec, `create() returned a ${member} but the manifest does not declare kind '${kind}'`, { field: 'kinds' });
    }
  }
};

const checkChannelClash = (plugin: LoadedPlugin, loaded: LoadedPlugin[]): void => {
  const name = plugin.instance.channel?.channel;
  if (name === undefined) return;
  const other = loaded.find((candidate) => candidate.instance.channel?.channel === name);
  if (other !== undefined) {
    throw new PluginLoadError(plugin.spec, `channel '${name}' is already served by instance '${other.spec.id}'; one instance per channel name`, {
      field: 'config.channel',
    });
  }
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
