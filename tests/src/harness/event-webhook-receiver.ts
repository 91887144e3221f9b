import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';

// A loopback receiver for the hub's outbound event webhooks. Signatures are checked with the
// `standardwebhooks` package (the reference implementation), not with anything of the hub's own.

export interface ReceivedEvent {
  /** The `webhook-id` header: the event id, the same on every retry. */
  id: string;
  headers: Record<string, string>;
  rawBody: string;
  body: { id?: string; seq?: number | null; type?: string; timestamp?: string; data?: Record<string, unknown> } | undefined;
  verified: boolean;
  verifyError?: string;
  answered: number;
  receivedAt: Date;
}

export interface EventWebhookReceiver {
  url: string;
  /** Every POST, in arrival order. */
  readonly received: readonly ReceivedEvent[];
  /** Set once the hub answered the subscription's secret. */
  setSecret(secret: string): void;
  /** The next answers to give, in order (`[500, 500]`); 200 afterwards. */
  failNext(statuses: number[]): void;
  /** Holds every answer this long (a slow receiver), so a delivery can be caught in flight. */
  setDelay(ms: number): void;
  /** The ids answered 2xx, first arrival of each, in arrival order. */
  deliveredIds(): string[];
  /** Requests received and not answered yet. */
  inFlight(): number;
  close(): Promise<void>;
}

export const startEventWebhookReceiver = async (): Promise<EventWebhookReceiver> => {
  let verifier: Webhook | null = null;
  let delayMs = 0;
  const planned: number[] = [];
  const received: ReceivedEvent[] = [];
  let pending = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
    let verified = false;
    let verifyError: string | undefined;
    try {
      if (verifier === null) throw new Error('the receiver has no secret yet');
      verifier.verify(rawBody, headers);
      verified = true;
    } catch (error) {
      verifyError = error instanceof Error ? error.message : String(error);
    }
    let body: ReceivedEvent['body'];
    try {
      body = JSON.parse(rawBody) as ReceivedEvent['body'];
    } catch {
      body = undefined;
    }
    pending += 1;
    try {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    } finally {
      pending -= 1;
    }
    const status = req.method !== 'POST' ? 405 : !verified ? 401 : (planned.shift() ?? 200);
    const record: ReceivedEvent = { id: headers['webhook-id'] ?? '', headers, rawBody, body, verified, answered: status, receivedAt: new Date() };
    if (verifyError !== undefined) record.verifyError = verifyError;
    received.push(record);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'try again');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('event webhook receiver: no TCP address');

  return {
    url: `http://127.0.0.1:${address.port}/events`,
    received,
    setSecret(secret) {
      verifier = new Webhook(secret);
    },
    failNext(statuses) {
      planned.push(...statuses);
    },
    setDelay(ms) {
      delayMs = ms;
    },
    inFlight: () => pending,
    deliveredIds() {
      const seen = new Set<string>();
      const ids: string[] = [];
      for (const r of received) {
        if (r.answered < 200 || r.answered >= 300 || seen.has(r.id)) continue;
        seen.add(r.id);
        ids.push(r.id);
      }
      return ids;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
