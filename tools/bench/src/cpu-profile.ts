import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { z } from 'zod';

// A V8 .cpuprofile (node --cpu-prof): a call tree plus the sampled node of each tick.
const CpuProfile = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  startTime: z.number(),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

export interface ProfileSummary {
  /** Milliseconds of samples inside the window. */
  totalMs: number;
  byArea: Array<[string, number]>;
  /** Native and node-internal frames (writev, GC, …) charged to the nearest caller in a package or workspace. */
  byCallerArea: Array<[string, number]>;
  byFunction: Array<[string, number]>;
}

/** Where the code lives: an npm package, a workspace package, node internals, or V8 itself. */
const areaOf = (url: string, root: string): string => {
  if (url === '') return '(v8: gc, idle, native)';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (modules?.[1]) return modules[1];
  const local = relative(root, path);
  const workspace = /^(core|apps\/[^/]+|plugins\/[^/]+|tools\/[^/]+|tests)\//.exec(local);
  return workspace?.[1] ?? local;
};

/**
 * Self time by area and by function, counting only samples taken between `fromUs` and `toUs`
 * (CLOCK_MONOTONIC microseconds, as process.hrtime). Falls back to the whole profile when no
 * sample falls inside (clocks that do not match).
 */
export const summarizeCpuProfile = (file: string, root: string, fromUs: number, toUs: number, top = 15): ProfileSummary => {
  const profile = CpuProfile.parse(JSON.parse(readFileSync(file, 'utf8')));
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const callerArea = (nodeId: number): string => {
    for (let id: number | undefined = nodeId; id !== undefined; id = parents.get(id)) {
      const frame = frames.get(id);
      if (frame && frame.url !== '' && !frame.url.startsWith('node:')) return areaOf(frame.url, root);
    }
    return areaOf('', root);
  };
  const tally = (inWindow: (at: number) => boolean) => {
    const byCallerArea = new Map<string, number>();
    const byArea = new Map<string, number>();
    const byFunction = new Map<string, number>();
    let total = 0;
    let at = profile.startTime;
    for (const [index, nodeId] of profile.samples.entries()) {
      const delta = profile.timeDeltas[index] ?? 0;
      at += delta;
      if (!inWindow(at)) continue;
      const frame = frames.get(nodeId);
      if (!frame) continue;
      const area = areaOf(frame.url, root);
      const name = `${frame.functionName || '(anonymous)'}  ${area === frame.url ? '' : area}${frame.url === '' ? '' : `:${frame.lineNumber + 1}`}`;
      byArea.set(area, (byArea.get(area) ?? 0) + delta);
      const caller = callerArea(nodeId);
      byCallerArea.set(caller, (byCallerArea.get(caller) ?? 0) + delta);
      byFunction.set(name, (byFunction.get(name) ?? 0) + delta);
      total += delta;
    }
    return { total, byArea, byCallerArea, byFunction };
  };
  let result = tally((at) => at >= fromUs && at <= toUs);
  if (result.total === 0) result = tally(() => true);
  const sorted = (map: Map<string, number>) =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([key, us]): [string, number] => [key, us / 1000]);
  return {
    totalMs: result.total / 1000,
    byArea: sorted(result.byArea),
    byCallerArea: sorted(result.byCallerArea),
    byFunction: sorted(result.byFunction),
  };
};

/** Prints a summary as the benches do: self time by area (and with the native calls made on its behalf), then the top functions. */
export const printProfileSummary = (title: string, summary: ProfileSummary): void => {
  const share = (ms: number) => `${((100 * ms) / summary.totalMs).toFixed(1).padStart(5)}%`;
  console.log(`\n${title} (${(summary.totalMs / 1000).toFixed(2)} s sampled), self time:`);
  const callers = new Map(summary.byCallerArea);
  console.log('    self  incl. native and node-internal calls made on its behalf');
  for (const [area, ms] of summary.byArea) console.log(`  ${share(ms)}  ${share(callers.get(area) ?? 0)}  ${area}`);
  for (const [area, ms] of summary.byCallerArea) {
    if (!summary.byArea.some(([name]) => name === area)) console.log(`  ${'-'.padStart(6)}  ${share(ms)}  ${area}`);
  }
  console.log('  top functions:');
  for (const [name, ms] of summary.byFunction) console.log(`  ${share(ms)}  ${name}`);
};
