import { ManageRouting, RoutingQueries, systemClock, type Agent } from '@switchboard/core';
import type { HubParts } from '@switchboard/hub';
import { EXIT, UsageError, table, type CliIo } from '../cli-io.js';

export const AGENTS_USAGE = `Usage:
  switchboard agents list [--json]      agents with their desk bindings
  switchboard agents link AGENT_ID [--slack USER_ID] [--teams USER_ID] [--json]
      Binds the agent to its Slack and/or Teams user, so the desks reach it and act for it
      ('' unlinks). GET /v1/agents/{id}/desk-suggestions proposes users by email.
`;

export interface AgentsArgs {
  action: string | undefined;
  positionals: string[];
  slack: string | undefined;
  teams: string | undefined;
  json: boolean;
}

const agentJson = (a: Agent) => ({ id: a.id, name: a.name, email: a.email, presence: a.presence, desk: a.desk });

export const checkAgentsArgs = (args: AgentsArgs): void => {
  const usage = (message: string) => new UsageError(message, AGENTS_USAGE);
  switch (args.action) {
    case 'list':
      if (args.positionals.length > 0) throw usage(`agents list: unexpected argument ${args.positionals[0] ?? ''}`);
      return;
    case 'link':
      if (args.positionals.length !== 1) throw usage('agents link: give exactly one agent id (see switchboard agents list)');
      if (args.slack === undefined && args.teams === undefined) throw usage('agents link: give --slack USER_ID and/or --teams USER_ID');
      return;
    case undefined:
      throw usage('agents: name an action: list or link');
    default:
      throw usage(`agents: unknown action '${args.action}'`);
  }
};

export const runAgents = async (parts: HubParts, args: AgentsArgs, io: CliIo): Promise<number> => {
  const print = (value: unknown) => io.stdout(`${JSON.stringify(value, null, 2)}\n`);
  const reads = new RoutingQueries(parts.store, systemClock);
  if (args.action === 'list') {
    const agents: Agent[] = [];
    let cursor: string | undefined;
    do {
      const page = await reads.agents({ limit: 200, ...(cursor === undefined ? {} : { cursor }) });
      agents.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    if (args.json) print({ items: agents.map(agentJson) });
    else io.stdout(table(['ID', 'NAME', 'EMAIL', 'PRESENCE', 'SLACK', 'TEAMS'], agents.map((a) => [a.id, a.name, a.email ?? '-', a.presence, a.desk.slack ?? '-', a.desk.teams ?? '-'])));
    return EXIT.ok;
  }
  const id = args.positionals[0] ?? '';
  const agent = await reads.agent(id);
  const desk = { ...agent.desk };
  for (const [binding, value] of [['slack', args.slack], ['teams', args.teams]] as const) {
    if (value === undefined) continue;
    if (value === '') delete desk[binding];
    else desk[binding] = value;
  }
  const updated = await new ManageRouting(parts.store, systemClock).updateAgent(id, { desk });
  if (args.json) print(agentJson(updated));
  else io.stdout(`Agent ${updated.id} (${updated.name}) desk bindings: slack ${updated.desk.slack ?? '-'}, teams ${updated.desk.teams ?? '-'}.\n`);
  return EXIT.ok;
};
