/**
 * Plugin entry points compiled into the hub's start-up bundle (apps/hub/bin/hub.mjs), by the file
 * URL the plugin loader resolves them to. Empty when the hub runs from its sources through tsx.
 */
export const precompiledModules = new Map<string, () => Promise<unknown>>();

let typescriptLoader: Promise<void> | null = null;

// TypeScript files a bundled hub has not compiled (a plugin named by path, say) still load, through
// what `node --import tsx` loads (tsx's ESM and CommonJS hooks), registered on first need. Named
// through a variable because that entry point declares no types; only its side effect is wanted.
const TSX_LOADER = 'tsx';

const registerTypescriptLoader = (): Promise<void> => {
  typescriptLoader ??= import(TSX_LOADER).then(() => undefined);
  return typescriptLoader;
};

/** import() of a plugin's entry point: its bundled copy when there is one. */
export const importModule = async (target: string): Promise<unknown> => {
  const precompiled = precompiledModules.get(target);
  if (precompiled !== undefined) return precompiled();
  // Also for JavaScript: a plugin may import a workspace package, whose entry point is TypeScript.
  if (precompiledModules.size > 0) await registerTypescriptLoader();
  return import(target);
};
