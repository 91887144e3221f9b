import { describe, expect, it } from 'vitest';
import { agentDeskChecks, runAgentDeskContract, type AgentDeskUnderTest } from '../agent-desk.contract.js';
import { failingChecks } from '../contract-check.js';
import { crmConnectorChecks, runCrmConnectorContract, type CrmConnectorUnderTest } from '../crm.contract.js';
import { legacySourceChecks, runLegacySourceContract, type LegacySourceUnderTest } from '../legacy-source.contract.js';
import { InMemoryAgentDesk } from './in-memory-agent-desk.js';
import { InMemoryCrmConnector } from './in-memory-crm-connector.js';
import { InMemoryLegacySource } from './in-memory-legacy-source.js';

// The reference adapters pass their suites; a broken one fails exactly the check that names its bug.

const legacy = (options: { brokenPaging?: boolean } = {}) => async (): Promise<LegacySourceUnderTest> => {
  const source = new InMemoryLegacySource(options);
  return { source, change: async () => source.change(), dispose: async () => {} };
};

const crm = (options: { forgetfulLog?: boolean } = {}) => async (): Promise<CrmConnectorUnderTest> => ({
  crm: new InMemoryCrmConnector(options),
  dispose: async () => {},
});

const desk = (options: { doublePosting?: boolean } = {}) => async (): Promise<AgentDeskUnderTest> => {
  const memory = new InMemoryAgentDesk(options);
  return {
    desk: memory,
    reached: { id: 'agent-1', desk: { memory: 'U1' } },
    unreached: { id: 'agent-2', desk: { slack: 'U2' } },
    seen: async (agentId) => memory.seen(agentId),
    dispose: async () => {},
  };
};

runLegacySourceContract('in-memory reference', legacy());
runCrmConnectorContract('in-memory reference', crm());
runAgentDeskContract('in-memory reference', desk());

describe('the contract suites catch broken adapters', () => {
  it('LegacySource: read() that repeats a record across pages', async () => {
    expect(await failingChecks(legacySourceChecks, legacy({ brokenPaging: true }))).toEqual([
      'describes its system and the count of each entity, which reading confirms',
      'pages through each entity without a repeat or a gap, whatever the page size',
      'resumes from a cursor: the same cursor gives the same page',
    ]);
  });

  it('CrmConnector: logInteraction() that logs a repeat again', async () => {
    expect(await failingChecks(crmConnectorChecks, crm({ forgetfulLog: true }))).toEqual(['logs an interaction once per interaction id']);
  });

  it('AgentDesk: postToThread() that posts a retried call twice', async () => {
    expect(await failingChecks(agentDeskChecks, desk({ doublePosting: true }))).toEqual(['posts to a thread once per post id, in order']);
  });
});
