import { silentLogger, storedPluginState, systemClock, type PluginContext, type PluginInstance } from '@switchboard/core';
import { InMemoryStore, anAgent } from '@switchboard/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin from '../index.js';
import { FakeBotFramework, teamsActivity } from '../testing/fake-bot-framework.js';

const APP_ID = '3f7c0a52-1b7e-4a0e-9f1e-4b7c2f3a9d10';
const unused = (): never => {
  throw new Error('not used by this test');
};

describe('desk-teams with an app id: JWT validation and token acquisition against a loopback Bot Framework', () => {
  let fake: FakeBotFramework;
  let instance: PluginInstance;
  let state: ReturnType<typeof storedPluginState>;
  const agent = anAgent({ desk: { teams: '29:ann' } });

  beforeAll(async () => {
    fake = await FakeBotFramework.start();
    state = storedPluginState(new InMemoryStore(), 'teams', () => new Date());
    const context: PluginContext<'desk'> = {
      instanceId: 'teams',
      logger: silentLogger,
      clock: systemClock,
      dataDir: '/tmp/desk-teams',
      role: 'all',
      state,
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
        agent: async () => agent,
        agentByDesk: async () => null,
      },
    };
    instance = await plugin.create(
      context,
      plugin.configSchema.parse({ appId: APP_ID, appPassword: 'app-password-value', tenantId: 'tenant-1', openIdMetadataUrl: fake.openIdMetadataUrl, loginUrl: fake.loginUrl }),
    );
  });
  afterAll(() => fake.stop());

  const post = (body: unknown, authorization?: string) =>
    instance.routes?.find((r) => r.path === '/messages')?.handle({
      method: 'POST',
      path: '/messages',
      headers: authorization === undefined ? {} : { authorization },
      query: {},
      rawBody: new TextEncoder().encode(JSON.stringify(body)),
    });
  const install = () => teamsActivity(fake, { id: '29:ann', aadObjectId: 'aad-ann' }, { type: 'installationUpdate', action: 'add' });

  it('refuses activities without a valid channel JWT with 401 and stores nothing', async () => {
    const wrongServiceUrl = fake.sign(APP_ID, { serviceUrl: 'https://smba.example.net/' });
    for (const authorization of [undefined, 'Bearer garbage', `Bearer ${fake.sign(APP_ID, { foreignKey: true })}`, `Bearer ${fake.sign('another-app')}`, `Bearer ${fake.sign(APP_ID, { expiresInSeconds: -600 })}`, `Bearer ${fake.sign(APP_ID, { issuer: 'https://evil.example' })}`, `Bearer ${wrongServiceUrl}`]) {
      expect((await post(install(), authorization))?.status, String(authorization)).toBe(401);
    }
    expect(await state.list('')).toEqual([]);
    expect(fake.calls).toEqual([]);
  });

  it('takes a signed activity, keeps the reference, and calls the connector with a token from the token endpoint', async () => {
    expect((await post(install(), `Bearer ${fake.sign(APP_ID)}`))?.status).toBe(200);
    expect((await instance.health()).detail).toContain('1 conversation reference(s)');
    await instance.desk?.notify(agent.id, 'hello from the hub');
    const sent = fake.calls.at(-1);
    expect(sent).toMatchObject({ kind: 'send', conversationId: 'a:chat-29:ann', activity: { text: 'hello from the hub' } });
    expect(sent?.authorization).toMatch(/^Bearer fake-token-/);
    const tokenRequest = fake.tokenRequests.at(-1);
    expect(tokenRequest?.get('client_id')).toBe(APP_ID);
    expect(tokenRequest?.get('grant_type')).toBe('client_credentials');
    expect(tokenRequest?.get('scope')).toBe('https://api.botframework.com/.default');
  });

  it('runs the connection test as a token acquisition, and reports a refused secret', async () => {
    expect(await instance.testConnection?.()).toMatchObject({ status: 'up', detail: 'Bot Framework token acquired' });
    fake.tokenStatus = 401;
    const failed = await instance.testConnection?.();
    fake.tokenStatus = 200;
    expect(failed).toMatchObject({ status: 'down' });
    expect(failed?.detail).toContain('401');
    expect(failed?.detail).not.toContain('app-password-value');
  });

  it('requires appPassword with appId', () => {
    const parsed = plugin.configSchema.safeParse({ appId: APP_ID });
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['appPassword']);
  });
});
