import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { aMail, mailboxSpec, REPO_ROOT, startDovecot, startEmailHub, startSmtpSink, waitUntil } from '@switchboard/tests';
import { intFromEnv } from './bench-env.js';
import { printProfileSummary, summarizeCpuProfile } from './cpu-profile.js';
import { cpuOfNamed } from './process-cpu.js';

// IMAP ingest: N mails of mixed sizes in a Dovecot mailbox, read into the ledger by the email
// channel (PostgreSQL, in-process hub), against the raw baseline: imapflow alone fetching the same
// mailbox (sizes and envelopes, then the sources), in the same run. Then a live phase: mails
// appended one at a time while the hub runs, latency from APPEND to the committed row.
// Usage: npm run bench -- imap   (env: BENCH_IMAP_N=1000, BENCH_IMAP_LIVE=50; BENCH_PROFILE=1 also
// CPU-profiles this process while the channel reads the mailbox; BENCH_IMAP_KEEP_ORIGINAL=always
// stores every mail's source, as the channel's `keepOriginal: always` does, instead of the default)

const N = intFromEnv('BENCH_IMAP_N', 1000);
const LIVE = intFromEnv('BENCH_IMAP_LIVE', 50);
const KEEP_ORIGINAL = process.env['BENCH_IMAP_KEEP_ORIGINAL'] === 'always' ? 'always' : undefined;
// 1 KB to ~200 KB, mostly small, as a support mailbox is.
const bodyOf = (i: number) => 'Customer text line, with a little detail about the problem.\r\n'.repeat([15, 15, 15, 60, 300, 3000][i % 6]!);

/**
 * Round trips to PostgreSQL and statements by kind, counted on pg's connection (the hub runs in
 * this process): the figures that hold under load, unlike rates.
 */
const countStatements = () => {
  const Connection = createRequire(`${REPO_ROOT}package.json`)('pg/lib/connection.js') as { prototype: Record<string, (...args: unknown[]) => unknown> };
  const proto = Connection.prototype;
  const counts = { roundTrips: 0, kinds: new Map<string, number>() };
  const kindOf = (head: string) => {
    const verb = /^(BEGIN|START TRANSACTION|COMMIT|ROLLBACK)/i.exec(head)?.[1];
    if (verb) return verb.toUpperCase();
    if (head.includes('pg_advisory_xact_lock')) return 'lock';
    const write = /^(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([a-z_]+)"?/i.exec(head);
    if (write) return `${write[1]!.split(/\s+/)[0]!.toLowerCase()} ${write[2]}`;
    const table = /\bFROM\s+"?([a-z_]+)"?/i.exec(head)?.[1];
    return table ? `select ${table}` : (head.split(/\s+/)[0] ?? '?').toLowerCase();
  };
  const bump = (head: string) => {
    const kind = kindOf(head.trimStart());
    counts.kinds.set(kind, (counts.kinds.get(kind) ?? 0) + 1);
  };
  // Statements joined by statement-batch.ts (";\n"): each classified by its first 2,000 characters, so
  // that counting costs the hub's process little (the mails' text is in the INSERTs).
  const bumpEach = (text: string) => {
    for (let at = 0; at < text.length; ) {
      const end = text.indexOf(';\n', at);
      bump(text.slice(at, Math.min(end < 0 ? text.length : end, at + 2000)));
      if (end < 0) break;
      at = end + 2;
    }
  };
  const original = { query: proto['query']!, parse: proto['parse']!, sync: proto['sync']! };
  proto['query'] = function (this: unknown, text: unknown) {
    counts.roundTrips += 1;
    bumpEach(String(text));
    return original.query.call(this, text);
  };
  proto['parse'] = function (this: unknown, query: unknown) {
    bump(String((query as { text?: unknown } | undefined)?.text ?? '').slice(0, 2000));
    return original.parse.call(this, query);
  };
  proto['sync'] = function (this: unknown) {
    counts.roundTrips += 1;
    return original.sync.call(this);
  };
  return {
    counts,
    restore: () => Object.assign(proto, original),
  };
};

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

export const runImapBench = async (): Promise<void> => {
  console.log(`== IMAP ingest: ${N} mails of mixed sizes from Dovecot into the ledger (PostgreSQL; keepOriginal ${KEEP_ORIGINAL ?? 'default'}) ==`);
  const [dovecot, sink] = await Promise.all([startDovecot(), startSmtpSink()]);
  try {
    const imap = await dovecot.client();
    await imap.mailboxCreate('Bench');
    await imap.logout();
    const raws = Array.from({ length: N }, (_, i) => aMail(`bench-${i}`, { body: bodyOf(i) }));
    await dovecot.append('Bench', raws);
    const bytes = raws.reduce((sum, raw) => sum + Buffer.byteLength(raw), 0);

    // Raw: imapflow alone, the same two passes the channel makes (sizes first, then sources).
    const client = await dovecot.client();
    const cpuMs = (since: NodeJS.CpuUsage) => {
      const used = process.cpuUsage(since);
      return (used.user + used.system) / 1000;
    };
    const rawCpu = process.cpuUsage();
    const rawDovecot = cpuOfNamed(['imap']);
    const rawStart = performance.now();
    const lock = await client.getMailboxLock('Bench');
    let fetched = 0;
    try {
      for await (const message of client.fetch('1:*', { uid: true, size: true, envelope: true }, { uid: true })) void message;
      for await (const message of client.fetch('1:*', { uid: true, source: true }, { uid: true })) if (message.source) fetched += 1;
    } finally {
      lock.release();
    }
    const rawSeconds = (performance.now() - rawStart) / 1000;
    const rawCpuMs = cpuMs(rawCpu);
    const rawDovecotMs = rawDovecot() * 1000;
    await client.logout();
    if (fetched !== N) throw new Error(`the raw fetch read ${fetched} of ${N} mails`);

    // The hub runs in this process: profiled through the inspector, from its start to the last row.
    const profiler = process.env['BENCH_PROFILE'] === '1' ? new Session() : null;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const statements = countStatements();
    const hubStart = performance.now();
    const hub = await startEmailHub({ mailboxes: [mailboxSpec(dovecot, sink, { id: 'bench-mail', channel: 'email', mailbox: 'Bench', pollSeconds: 1, ...(KEEP_ORIGINAL ? { keepOriginal: KEEP_ORIGINAL } : {}) })] });
    try {
      const started = performance.now();
      const hubCpu = process.cpuUsage();
      const hubLoop = performance.eventLoopUtilization();
      const hubPostgres = cpuOfNamed(['postgres']);
      const hubDovecot = cpuOfNamed(['imap']);
      await waitUntil(async () => (await hub.count("channel = 'email'")) >= N, `${N} interactions`, 600_000);
      const hubSeconds = (performance.now() - started) / 1000;
      const hubCpuMs = cpuMs(hubCpu);
      const hubUsage = process.cpuUsage(hubCpu);
      const [postgresMs, dovecotMs] = [hubPostgres() * 1000, hubDovecot() * 1000];
      const loop = performance.eventLoopUtilization(hubLoop);
      statements.restore();
      const profile = profiler ? (await profiler.post('Profiler.stop')).profile : null;
      profiler?.disconnect();
      const rawRate = N / rawSeconds;
      const hubRate = N / hubSeconds;
      console.log(`raw imapflow fetch   ${rawRate.toFixed(0).padStart(7)} mails/s  (${(bytes / 1048576 / rawSeconds).toFixed(1)} MiB/s, ${rawSeconds.toFixed(2)} s)`);
      console.log(`email channel ingest ${hubRate.toFixed(0).padStart(7)} mails/s  (${hubSeconds.toFixed(2)} s after a ${((started - hubStart) / 1000).toFixed(1)} s hub start)`);
      console.log(`ratio                ${(hubRate / rawRate).toFixed(2)}x of raw (target >= 0.5x)`);
      // This process's CPU only (the in-process hub, or imapflow alone); PostgreSQL and Dovecot are not counted.
      console.log(`CPU per mail         raw ${(rawCpuMs / N).toFixed(2)} ms, email channel ${(hubCpuMs / N).toFixed(2)} ms (this process; ${(hubUsage.user / 1000 / N).toFixed(2)} user, ${(hubUsage.system / 1000 / N).toFixed(2)} system)`);
      // The other side of the wire, at the clock tick's resolution (10 ms): what the 2 cores also spent per mail.
      console.log(`CPU elsewhere        raw: Dovecot ${(rawDovecotMs / N).toFixed(2)} ms; email channel: Dovecot ${(dovecotMs / N).toFixed(2)} ms, PostgreSQL ${(postgresMs / N).toFixed(2)} ms per mail`);
      // The main thread alone (imapflow, the ledger's statements, blob store calls): parser threads and libuv's are not in it.
      console.log(`main thread busy     ${(loop.active / N).toFixed(2)} ms per mail (${(100 * loop.utilization).toFixed(0)}% of the run)`);
      const kinds = [...statements.counts.kinds.entries()].sort((a, b) => b[1] - a[1]);
      const total = kinds.reduce((sum, [, n]) => sum + n, 0);
      console.log(`PostgreSQL           ${(statements.counts.roundTrips / N).toFixed(2)} round trips, ${(total / N).toFixed(2)} statements per mail (hub start included)`);
      console.log(`    ${kinds.slice(0, 12).map(([kind, n]) => `${kind} ${(n / N).toFixed(3)}`).join(', ')}`);
      if (profile) {
        const dir = mkdtempSync(join(tmpdir(), 'imap-profile-'));
        try {
          writeFileSync(join(dir, 'hub.cpuprofile'), JSON.stringify(profile));
          printProfileSummary('this process while the channel read the mailbox', summarizeCpuProfile(join(dir, 'hub.cpuprofile'), REPO_ROOT, 0, Number.POSITIVE_INFINITY, 30));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }

      // Live: one mail at a time; APPEND to committed row (includes Dovecot's ~0.5 s IDLE notification delay).
      const appendedAt = new Map<string, number>();
      for (let i = 0; i < LIVE; i++) {
        const id = `<live-${i}@customer.example.com>`;
        appendedAt.set(id, Date.now());
        await dovecot.append('Bench', [aMail(`live-${i}`, { messageId: id })]);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await waitUntil(async () => (await hub.count("channel = 'email'")) >= N + LIVE, 'the live mails', 120_000);
      const rows = await hub.database.pool.query<{ external_id: string; recorded_at: Date }>("SELECT external_id, recorded_at FROM interactions WHERE external_id LIKE '<live-%'");
      const latencies = rows.rows.map((r) => r.recorded_at.getTime() - (appendedAt.get(r.external_id) ?? Number.NaN)).sort((a, b) => a - b);
      console.log(`live APPEND→ledger   p50 ${percentile(latencies, 50)} ms  p95 ${percentile(latencies, 95)} ms  p99 ${percentile(latencies, 99)} ms  (n=${latencies.length})`);
    } finally {
      await hub.stop(true);
    }
  } finally {
    await Promise.all([dovecot.stop(), sink.stop()]);
  }
};
