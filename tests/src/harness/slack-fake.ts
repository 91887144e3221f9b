import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface SlackApiCall {
  method: string;
  /** The call's arguments, parsed from JSON or a form body (JSON-valued fields such as `blocks` parsed too). */
  args: Record<string, unknown>;
  authorization: string;
  at: number;
  /** The status answered (429 for a rate-limited call). */
  answered: number;
  /** The JSON answered. */
  result: Record<string, unknown>;
}

export interface SlackFake {
  /** The Web API base, with its trailing slash: `slackApiUrl`. */
  url: string;
  readonly calls: readonly SlackApiCall[];
  callsTo(method: string): SlackApiCall[];
  /** The next `count` calls of `method` answer 429 with `Retry-After: retryAfterSeconds`. */
  rateLimit(method: string, count: number, retryAfterSeconds: number): void;
  /** Slack users the fake knows (users.info, users.lookupByEmail). */
  addUser(user: { id: string; name: string; email?: string }): void;
  close(): Promise<void>;
}

const TEAM = 'T0SWITCH';

/**
 * A loopback fake of the Slack Web API that records every call and answers like Slack does for
 * the methods the desk uses (auth.test, chat.postMessage/update/postEphemeral, conversations.open,
 * views.publish, users.info, users.lookupByEmail). Can answer 429 with Retry-After.
 */
export const startSlackFake = async (): Promise<SlackFake> => {
  const calls: SlackApiCall[] = [];
  const limits = new Map<string, { count: number; retryAfter: number }>();
  const users = new Map<string, { id: string; name: string; email?: string }>();
  let ts = 1_700_000_000;

  const parse = (contentType: string, raw: string): Record<string, unknown> => {
    if (raw === '') return {};
    if (contentType.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
    const args: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(raw)) {
      args[key] = (value.startsWith('[') || value.startsWith('{')) ? (JSON.parse(value) as unknown) : value;
    }
    return args;
  };

  const answer = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    const nextTs = () => `${++ts}.000100`;
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://switchboard-test.slack.com/', team: 'Switchboard Test', user: 'switchboard', team_id: TEAM, user_id: 'U0BOT', bot_id: 'B0BOT' };
      case 'chat.postMessage':
        return { ok: true, channel: args['channel'], ts: nextTs(), message: { text: args['text'] } };
      case 'chat.update':
        return { ok: true, channel: args['channel'], ts: args['ts'] };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(args['users'])}` } };
      case 'views.publish':
        return { ok: true, view: { id: 'V1' } };
      case 'users.info': {
        const user = users.get(String(args['user']));
        return user ? { ok: true, user: { id: user.id, name: user.name, real_name: user.name, profile: { email: user.email } } } : { ok: false, error: 'user_not_found' };
      }
      case 'users.lookupByEmail': {
        const user = [...users.values()].find((u) => u.email === args['email']);
        return user ? { ok: true, user: { id: user.id, name: user.name, real_name: user.name } } : { ok: false, error: 'users_not_found' };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    const args = parse(String(req.headers['content-type'] ?? ''), Buffer.concat(chunks).toString('utf8'));
    const limit = limits.get(method);
    const call: SlackApiCall = { method, args, authorization: String(req.headers.authorization ?? ''), at: Date.now(), answered: 200, result: {} };
    calls.push(call);
    if (limit && limit.count > 0) {
      limit.count -= 1;
      call.answered = 429;
      call.result = { ok: false, error: 'ratelimited' };
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(limit.retryAfter) }).end(JSON.stringify(call.result));
      return;
    }
    call.result = answer(method, args);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(call.result));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method && c.answered === 200),
    rateLimit: (method, count, retryAfter) => limits.set(method, { count, retryAfter }),
    addUser: (user) => users.set(user.id, user),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/** Slack's request signature: `v0=` + HMAC-SHA256(secret, `v0:{timestamp}:{body}`). */
export const signSlackRequest = (secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> => ({
  'x-slack-request-timestamp': String(timestamp),
  'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`,
});
