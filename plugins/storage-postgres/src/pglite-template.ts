import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

// initdb is most of a first start (2–11 s here, and it leaves the process at ~800 MB: it runs a
// second PGlite plus the initdb module), the first migration run another ~1.5 s of CPU. So a new
// data folder starts as a copy of a cluster made once per installation: initdb in a worker, whose
// memory goes when it ends, and the schema migrated by `npm install` (prepare-template.ts).

const pgliteEntry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
const pglitePackageDir = dirname(dirname(pgliteEntry));

const pgliteVersion = (): string => {
  const manifest: unknown = JSON.parse(readFileSync(join(pglitePackageDir, 'package.json'), 'utf8'));
  const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined;
  return typeof version === 'string' ? version : 'unknown';
};

/** Where caches made from this installation live: SWITCHBOARD_CACHE_DIR, else node_modules/.cache/switchboard. */
export const cacheRoot = (env: NodeJS.ProcessEnv = process.env): string =>
  env['SWITCHBOARD_CACHE_DIR'] ?? join(dirname(dirname(pglitePackageDir)), '.cache', 'switchboard');

/** The cluster initdb makes for the installed PGlite (its output depends on nothing we set). */
export const clusterTemplateDir = (root: string): string => join(root, `pglite-${pgliteVersion()}-cluster`);

/**
 * The cluster with these migrations applied. Keyed by their names, as TypeORM knows them: a data
 * folder copied from it is what migrating a new cluster would give.
 */
export const schemaTemplateDir = (root: string, migrationNames: readonly string[]): string => {
  const key = createHash('sha256').update(migrationNames.join('\n')).digest('hex').slice(0, 16);
  return join(root, `pglite-${pgliteVersion()}-schema-${key}`);
};

export const isCluster = (dir: string): boolean => existsSync(join(dir, 'PG_VERSION'));

/**
 * Makes a template with `fill(folder)` unless it exists. Processes that make it at the same time
 * each fill their own folder and the first rename wins; nobody sees a half-made template.
 */
export const buildTemplate = async (dir: string, fill: (folder: string) => Promise<void>): Promise<string> => {
  if (isCluster(dir)) return dir;
  await mkdir(dirname(dir), { recursive: true });
  // Unique per maker, also for two makers of one process in the same millisecond.
  const building = `${dir}.building-${process.pid}-${randomUUID()}`;
  try {
    await fill(building);
    await rename(building, dir).catch((error: unknown) => {
      if (!isCluster(dir)) throw error;
    });
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return dir;
};

// CommonJS, so that it runs as it is under tsx, vitest and plain node alike.
const INITDB_WORKER = `
const { workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.entry);
PGlite.create(workerData.dir).then((db) => db.close());
`;

const runInitdb = (dir: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(INITDB_WORKER, { eval: true, workerData: { entry: pgliteEntry, dir } });
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the initdb worker exited with code ${code}`))));
  });

/** The bare cluster, made now (initdb in a worker thread) if missing. */
export const ensureClusterTemplate = (root: string): Promise<string> => buildTemplate(clusterTemplateDir(root), runInitdb);

// Folders and plain files only (a cluster has nothing else); copyFile runs in libuv's threads, and
// fs.cp's per-file checks cost more CPU than the copy itself here.
const copyTree = async (from: string, to: string): Promise<void> => {
  await mkdir(to, { recursive: true });
  const entries = await readdir(from, { withFileTypes: true });
  await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? copyTree(join(from, entry.name), join(to, entry.name)) : copyFile(join(from, entry.name), join(to, entry.name)),
    ),
  );
};

/**
 * Fills an empty or missing data folder with a copy of the template `choose()` answers. Answers
 * false, choosing nothing, when the folder holds anything (PGlite then opens or initialises it).
 * The copy lands under another name and is renamed into place, so a crash leaves no half cluster.
 */
export const seedDataDir = async (dataDir: string, choose: () => Promise<string>): Promise<boolean> => {
  const entries = await readdir(dataDir).catch(() => null);
  if (entries !== null && entries.length > 0) return false;
  const template = await choose();
  await mkdir(dirname(dataDir), { recursive: true });
  const copying = `${dataDir}.seeding-${process.pid}`;
  await rm(copying, { recursive: true, force: true });
  await copyTree(template, copying);
  if (entries !== null) await rmdir(dataDir);
  await rename(copying, dataDir);
  return true;
};

/** PGlite's WASM, compiled while the caller does other work (a copy, loading the rest of the hub). */
export const compilePgliteWasm = async (): Promise<WebAssembly.Module> =>
  WebAssembly.compile(await readFile(join(dirname(pgliteEntry), 'pglite.wasm')));
