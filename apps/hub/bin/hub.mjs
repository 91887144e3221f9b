// `npm start`: runs the hub from one esbuild bundle of its TypeScript sources, made again whenever
// a source file changes. Plain node then loads one file plus node_modules: no tsx hooks thread and
// no transform of each file at every start (2 of the 3 s the imports took, and ~90 MB of RSS).
// Workspace packages are bundled; npm packages stay outside and load as node resolves them. The
// built-in plugins are in the bundle as lazy chunks, so bullmq loads only when a plugin needs it.
// `npm run start:source` runs the sources through tsx instead; `--build-only` builds and exits (postinstall).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HUB_DIR = fileURLToPath(new URL('..', import.meta.url));
const ROOT = resolve(HUB_DIR, '..', '..');
const MAIN = join(HUB_DIR, 'src', 'main.ts');
const REGISTRY = join(HUB_DIR, 'src', 'plugins', 'precompiled-modules.ts');
// Under the root node_modules whatever SWITCHBOARD_CACHE_DIR says: node resolves the bundle's
// imports of npm packages by walking up from the bundle's own folder.
const CACHE = join(ROOT, 'node_modules', '.cache', 'switchboard', 'hub-bundle');
const CURRENT = join(CACHE, 'current.json');
// Builds other processes may still be loading chunks from are removed only once this old.
const STALE_BUILD_MS = 10 * 60_000;

const stat = (file) => {
  try {
    const { mtimeMs, size } = statSync(file);
    return `${mtimeMs}:${size}`;
  } catch {
    return 'missing';
  }
};

/** The plugin packages of this repository: name → entry file (package.json exports "."). */
const workspacePlugins = () => {
  const dir = join(ROOT, 'plugins');
  const found = [];
  for (const name of readdirSync(dir)) {
    const manifestFile = join(dir, name, 'package.json');
    if (!existsSync(manifestFile)) continue;
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    const entry = typeof manifest.exports === 'string' ? manifest.exports : manifest.exports?.['.'];
    if (typeof entry === 'string') found.push({ name: manifest.name, manifestFile, entry: join(dir, name, entry) });
  }
  return found;
};

// What a build depends on besides the sources esbuild read: this file, esbuild and the manifests.
const buildKey = (plugins) =>
  createHash('sha256')
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(stat(join(ROOT, 'node_modules', 'esbuild', 'package.json')))
    .update(plugins.map((p) => `${p.manifestFile}=${stat(p.manifestFile)}`).join('\n'))
    .digest('hex');

const upToDate = (plugins) => {
  if (!existsSync(CURRENT)) return null;
  try {
    const current = JSON.parse(readFileSync(CURRENT, 'utf8'));
    if (current.key !== buildKey(plugins)) return null;
    if (!current.inputs.every(([file, seen]) => stat(file) === seen)) return null;
    const main = join(CACHE, current.dir, 'main.mjs');
    return existsSync(main) ? main : null;
  } catch {
    return null;
  }
};

const packageNameOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** The folder node would load `name` from, importing from `dir`. */
const nearestPackage = (name, dir) => {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(at) === at) return undefined;
  }
};

const RESOLVING = Symbol('resolving');

// Plain JavaScript packages go into the bundle with whatever they import: one file to read instead
// of hundreds to find, stat and compile (typeorm, inversify's seven packages). The rest stay
// outside and load as node resolves them: they find files next to their own (PGlite's WASM, pino's
// worker thread), are native or optional (bullmq, ioredis, pg), or are loaded by path (swagger-ui-dist).
const BUNDLED = [
  'zod',
  'hono',
  '@hono/node-server',
  '@hono/zod-openapi',
  '@hono/zod-validator',
  'inversify',
  'yaml',
  'prom-client',
  'libphonenumber-js',
  'typeorm',
];
// Never bundled, even when a bundled package imports them: typeorm require()s pg by name.
const OUTSIDE = ['pg', 'pg-native', '@electric-sql/pglite', 'bullmq', 'ioredis', 'pino'];

// npm packages outside the bundle are imported by name; the bundle sits under the root
// node_modules, so that finds the hoisted copy. A workspace's own copy (apps/hub/node_modules/yaml)
// is named by path.
const npmPackages = {
  name: 'npm-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('@switchboard/') || args.pluginData === RESOLVING) return undefined;
      const name = packageNameOf(args.path);
      // esbuild only reads node_modules files of bundled packages, so what they import is bundled too.
      const bundled = BUNDLED.includes(name) || args.resolveDir.includes(`${sep}node_modules${sep}`);
      if (bundled && !OUTSIDE.includes(name) && !isBuiltin(args.path)) return undefined;
      const nearest = nearestPackage(name, args.resolveDir);
      if (nearest === undefined || nearest === join(ROOT, 'node_modules', name)) return { path: args.path, external: true };
      const found = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: RESOLVING });
      if (found.errors.length > 0) return { errors: found.errors };
      return { path: found.path, external: true };
    });
  },
};

const rebuild = async (plugins) => {
  const { build } = await import('esbuild');
  mkdirSync(CACHE, { recursive: true });
  const dir = `build-${Date.now()}-${process.pid}`;
  const out = join(CACHE, dir);
  mkdirSync(out);
  // Registered before main runs: the plugin loader looks here first (precompiled-modules.ts).
  const entry = [
    `import { precompiledModules } from ${JSON.stringify(REGISTRY)};`,
    ...plugins.map((p) => `precompiledModules.set(${JSON.stringify(pathToFileURL(p.entry).href)}, () => import(${JSON.stringify(p.entry)}));`),
    `await import(${JSON.stringify(MAIN)});`,
  ].join('\n');
  const entryFile = join(out, 'entry.mjs');
  writeFileSync(entryFile, entry);
  const result = await build({
    entryPoints: { main: entryFile },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: out,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    // No keepNames: it wraps every named function and class the sources create in a helper that
    // redefines its `name`, closures made per message on the ingest path too, and each such closure
    // then has a shape of its own, so call sites that see it deoptimise (see README, "Ingest").
    // Names are the sources' anyway: esbuild renames only a top-level clash between modules
    // (`Foo2`), and errors set their own `name`.
    keepNames: false,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [npmPackages],
    // CommonJS packages in the bundle require() node's modules.
    banner: { js: "import { createRequire as __sbCreateRequire } from 'node:module'; const require = __sbCreateRequire(import.meta.url);" },
  });
  const inputs = Object.keys(result.metafile.inputs)
    .map((file) => resolve(ROOT, file))
    .filter((file) => file !== entryFile)
    .map((file) => [file, stat(file)]);
  const tmp = `${CURRENT}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ key: buildKey(plugins), dir, inputs }));
  renameSync(tmp, CURRENT);
  for (const other of readdirSync(CACHE)) {
    if (!other.startsWith('build-') || other === dir) continue;
    if (Date.now() - statSync(join(CACHE, other)).mtimeMs > STALE_BUILD_MS) rmSync(join(CACHE, other), { recursive: true, force: true });
  }
  return join(out, 'main.mjs');
};

const plugins = workspacePlugins();
if (process.argv.includes('--build-only')) {
  // postinstall: build ahead of the first start; a failure here only means that start builds.
  try {
    const main = upToDate(plugins) ?? (await rebuild(plugins));
    process.stdout.write(`switchboard: hub bundle ready in ${dirname(main)}\n`);
  } catch (error) {
    process.stderr.write(`switchboard: no hub bundle yet (${error instanceof Error ? error.message : String(error)}); npm start will build it\n`);
  }
} else {
  const main = upToDate(plugins) ?? (await rebuild(plugins));
  await import(pathToFileURL(main).href);
}
