import { performance } from 'node:perf_hooks';
import { silentLogger, storedPluginState, systemClock, type Agent, type DeskOffer, type PluginContext } from '@switchboard/core';
import { anAgent } from '@switchboard/core/testing';
import teamsPlugin from '@switchboard/desk-teams';
import { FakeBotFramework, teamsActivity } from '@switchboard/desk-teams/testing';
import { createPostgresStore } from '@switchboard/storage-postgres';
import { createTestDatabase, mapConcurrent } from '@switchboard/tests';
import { intFromEnv } from './bench-env.js';

// Offer to desk on Teams: the desk's deliverOffer (read the agent, read its stored conversation
// reference, post the Adaptive Card through botbuilder to the loopback connector, record the
// card's activity id in PostgreSQL) against the raw baseline: a bare HTTP POST of the same card
// to the same fake connector. 200 agents, offers spread over them.
// Usage: npm run bench -- teams   (env: BENCH_TEAMS_AGENTS=200, BENCH_TEAMS_OFFERS=2000, BENCH_TEAMS_CONCURRENCY=16)

const AGENTS = intFromEnv('BENCH_TEAMS_AGENTS', 200);
const OFFERS = intFromEnv('BENCH_TEAMS_OFFERS', 2000);
const CONCURRENCY = intFromEnv('BENCH_TEAMS_CONCURRENCY', 16);
const WARMUP = Math.max(20, Math.floor(OFFERS / 10));

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

const timed = async (count: number, op: (i: number) => Promise<void>) => {
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await mapConcurrent(
    Array.from({ length: count }, (_, i) => i),
    CONCURRENCY,
    async (i) => {
      const t0 = performance.now();
      await op(i);
      latencies.push(performance.now() - t0);
    },
  );
  latencies.sort((a, b) => a - b);
  const cpu = process.cpuUsage(cpuBefore);
  // This process's CPU (the fake connector's included, on both sides) per call: holds under load where latencies do not.
  const cpuMs = (cpu.user + cpu.system) / 1000 / count;
  return { perSecond: count / ((performance.now() - started) / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpuMs };
};

const unused = (): never => {
  throw new Error('not used by the bench');
};

export const runTeamsBench = async (): Promise<void> => {
  const [db, fake] = await Promise.all([createTestDatabase(), FakeBotFramework.start()]);
  const store = createPostgresStore({ url: db.url });
  try {
    await store.migrate();
    const agents: Agent[] = Array.from({ length: AGENTS }, (_, i) => anAgent({ desk: { teams: `29:bench-${i}` } }));
    const byId = new Map(agents.map((a) => [a.id, a]));
    const context: PluginContext<'desk'> = {
      instanceId: 'teams',
      logger: silentLogger,
      clock: systemClock,
      dataDir: '/tmp/bench-teams',
      role: 'all',
      state: storedPluginState(store, 'teams', () => new Date()),
      desk: { accept: unused, decline: unused, reply: unused, note: unused, resolve: unused, reopen: unused, transfer: unused, setPresence: unused, lookUpCustomer: unused, listWork: unused },
      reads: {
        customer: unused,
        customersByIdentity: unused,
        conversation: unused,
        timeline: unused,
        work: unused,
        queueByName: unused,
        agents: unused,
        queues: unused,
        agentByDesk: async () => null,
        agent: async (id) => byId.get(id) ?? unused(),
      },
    };
    const instance = await teamsPlugin.create(context, teamsPlugin.configSchema.parse({}));
    const route = instance.routes?.find((r) => r.path === '/messages');
    const desk = instance.desk;
    if (!route || !desk) throw new Error('the Teams plugin serves no desk');
    // Every agent installs the bot: one stored reference each.
    await mapConcurrent(agents, CONCURRENCY, async (agent) => {
      const install = teamsActivity(fake, { id: agent.desk.teams ?? '' }, { type: 'installationUpdate', action: 'add' });
      await route.handle({ method: 'POST', path: '/messages', headers: {}, query: {}, rawBody: new TextEncoder().encode(JSON.stringify(install)) });
    });
    const offerFor = (i: number): DeskOffer => ({
      offerId: crypto.randomUUID(),
      agentId: agents[i % AGENTS]?.id ?? '',
      queueName: 'support',
      expiresAt: new Date(Date.now() + 60_000),
      context: {
        conversationId: crypto.randomUUID(),
        customer: { id: crypto.randomUUID(), displayName: 'Ada Lovelace', identities: [{ kind: 'email', value: 'ada@example.com' }] },
        channel: 'email',
        subject: 'Order 1234',
        recent: [{ channel: 'email', direction: 'inbound', text: 'Where is my order?', occurredAt: new Date() }],
      },
    });
    const sampleCard = { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { body: [{ type: 'TextBlock', text: 'x'.repeat(600) }] } }] };
    const raw = (i: number) =>
      fetch(`${fake.url}v3/conversations/${encodeURIComponent(`a:chat-29:bench-${i % AGENTS}`)}/activities`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sampleCard) }).then(
        (r) => void r.arrayBuffer(),
      );

    await timed(WARMUP, raw);
    await timed(WARMUP, (i) => desk.deliverOffer(offerFor(i)));
    const before = fake.calls.length;
    const baseline = await timed(OFFERS, raw);
    const deliveredFrom = fake.calls.length;
    const teams = await timed(OFFERS, (i) => desk.deliverOffer(offerFor(i)));
    const cards = fake.calls.slice(deliveredFrom).filter((c) => c.kind === 'send' && c.activity.attachments?.length).length;
    if (fake.calls.length - before < OFFERS || cards !== OFFERS) throw new Error(`expected ${OFFERS} cards at the fake, saw ${cards}`);

    const f = (n: number) => n.toFixed(1);
    console.log(`## teams: offer to desk (deliverOffer → card at the loopback connector), ${AGENTS} agents, ${OFFERS} offers, concurrency ${CONCURRENCY}`);
    console.log(`raw POST to the fake connector : ${f(baseline.perSecond)}/s  p50 ${f(baseline.p50)} ms  p99 ${f(baseline.p99)} ms  CPU ${baseline.cpuMs.toFixed(2)} ms/call`);
    console.log(`desk-teams deliverOffer       : ${f(teams.perSecond)}/s  p50 ${f(teams.p50)} ms  p99 ${f(teams.p99)} ms  CPU ${teams.cpuMs.toFixed(2)} ms/offer`);
    console.log(`ratio (desk / raw)            : throughput ${(teams.perSecond / baseline.perSecond).toFixed(2)}x, p50 ${(teams.p50 / baseline.p50).toFixed(1)}x, p99 ${(teams.p99 / baseline.p99).toFixed(1)}x`);
  } finally {
    await store.close();
    await Promise.all([fake.stop(), db.drop()]);
  }
};
