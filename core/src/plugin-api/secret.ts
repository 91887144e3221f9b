import type { z } from 'zod';

/** The metadata key `secret()` sets on a schema (zod 4 `.meta()`); visible in `z.toJSONSchema` output too. */
export const SECRET_META_KEY = 'x-switchboard-secret';

/**
 * Marks a configuration field as a secret, at any depth of the schema:
 *
 * ```ts
 * z.object({ mailboxes: z.array(z.object({ user: z.string(), password: secret(z.string().min(1)) })) })
 * ```
 *
 * In the configuration file a secret is given by reference (`{ env: NAME }` or `{ file: PATH }`),
 * never inline; the hub resolves it before validation and never logs or returns it. Works with a
 * plugin's own copy of zod 4: the mark is read through the schema's own `.meta()`.
 */
export const secret = <Schema extends z.ZodType>(schema: Schema): Schema => schema.meta({ ...(schema.meta() ?? {}), [SECRET_META_KEY]: true });

/** A field path in a configuration: keys, with `'*'` for any array index or record key. */
export type ConfigPathPattern = readonly string[];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

const isMarkedSecret = (schema: Record<string, unknown>): boolean => {
  const meta = schema['meta'];
  if (typeof meta !== 'function') return false;
  const data: unknown = Reflect.apply(meta, schema, []);
  return isRecord(data) && data[SECRET_META_KEY] === true;
};

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional', 'success']);
const MAX_DEPTH = 32;

/**
 * The paths of the fields a zod 4 schema marks with `secret()`. Reads the schema's definition
 * without needing the same zod copy; a schema it cannot read (another library) yields none, and the
 * manifest's `secrets` list is the fallback.
 */
export const secretPathsOf = (schema: unknown): ConfigPathPattern[] => {
  const found: ConfigPathPattern[] = [];
  const walk = (node: unknown, path: readonly string[], depth: number, lazies: ReadonlySet<unknown>): void => {
    if (!isRecord(node) || depth > MAX_DEPTH) return;
    if (isMarkedSecret(node)) {
      found.push(path);
      return;
    }
    const internals = node['_zod'];
    const def = isRecord(internals) ? internals['def'] : undefined;
    if (!isRecord(def)) return;
    const next = (child: unknown, segment?: string) => walk(child, segment === undefined ? path : [...path, segment], depth + 1, lazies);
    const type = def['type'];
    if (typeof type !== 'string') return;
    if (WRAPPERS.has(type)) return next(def['innerType']);
    switch (type) {
      case 'object': {
        const shape = def['shape'];
        if (isRecord(shape)) for (const [key, child] of Object.entries(shape)) next(child, key);
        return next(def['catchall'], '*');
      }
      case 'array':
        return next(def['element'], '*');
      case 'record':
      case 'map':
        return next(def['valueType'], '*');
      case 'tuple': {
        const items = def['items'];
        if (Array.isArray(items)) items.forEach((item: unknown, index) => next(item, String(index)));
        return next(def['rest'], '*');
      }
      case 'union': {
        const options = def['options'];
        if (Array.isArray(options)) for (const option of options) next(option);
        return;
      }
      case 'intersection':
        next(def['left']);
        return next(def['right']);
      case 'pipe':
        next(def['in']);
        return next(def['out']);
      case 'lazy': {
        const getter = def['getter'];
        if (typeof getter !== 'function' || lazies.has(node)) return;
        const inner: unknown = Reflect.apply(getter, def, []);
        return walk(inner, path, depth + 1, new Set([...lazies, node]));
      }
      default:
        return;
    }
  };
  walk(schema, [], 0, new Set());
  return dedupe(found);
};

/** A `secrets` list entry: `token`, `mailboxes.*.password` or `mailboxes[].password`. */
export const parseSecretPath = (written: string): ConfigPathPattern =>
  written
    .replaceAll('[]', '.*')
    .split('.')
    .filter((segment) => segment !== '');

const dedupe = (paths: ConfigPathPattern[]): ConfigPathPattern[] => {
  const seen = new Set<string>();
  return paths.filter((path) => {
    const key = JSON.stringify(path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};
