import { SCOPES, type ApiKey } from '@switchboard/core';
import type { HubParts } from '@switchboard/hub';
import { EXIT, UsageError, table, type CliIo } from '../cli-io.js';

export const KEYS_USAGE = `Usage:
  switchboard keys create --name NAME --scopes SCOPE[,SCOPE…] [--agent AGENT_ID] [--json]
      Creates an API key and prints its secret, once. Scopes: ${SCOPES.join(', ')}.
      --agent binds the key to that agent: it then acts only as that agent.
  switchboard keys list [--json]      API keys (never their secrets)
  switchboard keys revoke KEY_ID [--json]
`;

export interface KeysArgs {
  action: string | undefined;
  positionals: string[];
  name: string | undefined;
  scopes: string | undefined;
  agent: string | undefined;
  json: boolean;
}

const keyJson = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  agentId: k.agentId,
  createdAt: k.createdAt.toISOString(),
  revokedAt: k.revokedAt?.toISOString() ?? null,
});

/** Checks the arguments before anything is opened, so a usage error touches no database. */
export const checkKeysArgs = (args: KeysArgs): void => {
  const usage = (message: string) => new UsageError(message, KEYS_USAGE);
  switch (args.action) {
    case 'create':
      if (args.name === undefined || args.name.trim() === '') throw usage('keys create: --name is required');
      if (args.scopes === undefined || args.scopes.trim() === '') throw usage(`keys create: --scopes is required (${SCOPES.join(', ')})`);
      if (args.positionals.length > 0) throw usage(`keys create: unexpected argument ${args.positionals[0] ?? ''}`);
      return;
    case 'list':
      if (args.positionals.length > 0) throw usage(`keys list: unexpected argument ${args.positionals[0] ?? ''}`);
      return;
    case 'revoke':
      if (args.positionals.length !== 1) throw usage('keys revoke: give exactly one key id (see switchboard keys list)');
      return;
    case undefined:
      throw usage('keys: name an action: create, list or revoke');
    default:
      throw usage(`keys: unknown action '${args.action}'`);
  }
};

export const runKeys = async (parts: HubParts, args: KeysArgs, io: CliIo): Promise<number> => {
  const print = (value: unknown) => io.stdout(`${JSON.stringify(value, null, 2)}\n`);
  if (args.action === 'create') {
    const scopes = (args.scopes ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    const { apiKey, secret } = await parts.apiKeys.create({ name: args.name ?? '', scopes, agentId: args.agent ?? null });
    if (args.json) {
      print({ ...keyJson(apiKey), key: secret });
    } else {
      io.stdout(`Created API key ${apiKey.id} (${apiKey.name}), scopes ${apiKey.scopes.join(', ')}${apiKey.agentId === null ? '' : `, bound to agent ${apiKey.agentId}`}.\n`);
      io.stdout(`Its secret is shown this once; store it now:\n${secret}\n`);
    }
    return EXIT.ok;
  }
  if (args.action === 'list') {
    const keys = await parts.apiKeys.listAll();
    if (args.json) {
      print({ items: keys.map(keyJson) });
      return EXIT.ok;
    }
    const rows = keys.map((k) => [k.id, k.name, k.prefix, k.scopes.join(','), k.agentId ?? '-', k.createdAt.toISOString(), k.revokedAt?.toISOString() ?? '-']);
    io.stdout(table(['ID', 'NAME', 'PREFIX', 'SCOPES', 'AGENT', 'CREATED', 'REVOKED'], rows));
    return EXIT.ok;
  }
  const id = args.positionals[0] ?? '';
  const revoked = await parts.apiKeys.revoke(id);
  if (args.json) print(keyJson(revoked));
  else io.stdout(`Revoked API key ${revoked.id} (${revoked.name}) at ${revoked.revokedAt?.toISOString() ?? ''}; a running hub refuses it within 5 s.\n`);
  return EXIT.ok;
};
