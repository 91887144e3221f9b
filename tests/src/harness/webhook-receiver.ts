import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { verifyWebhook } from '@switchboard/channel-webhook';

export interface ReceivedWebhook {
  /** The `webhook-id` header (the outbound interaction id); `''` when missing. */
  id: string;
  headers: Record<string, string>;
  rawBody: string;
  /** The parsed JSON body, or undefined when it was not JSON. */
  body: unknown;
  /** Whether the Standard Webhooks signature verified with the receiver's secret. */
  verified: boolean;
  verifyError?: string;
  receivedAt: Date;
  /** The status the receiver answered. */
  answered: number;
}

export interface WebhookReceiver {
  url: string;
  secret: string;
  /** Every POST received, in arrival order (HEAD reachability checks are not recorded). */
  readonly deliveries: readonly ReceivedWebhook[];
  /** Deliveries per webhook-id. */
  countsById(): Map<string, number>;
  /** The next answers to give, in order (e.g. `[503, 503]` to force retries); 200 afterwards. */
  failNext(statuses: number[]): void;
  close(): Promise<void>;
}

/** A fresh Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

/** A loopback HTTP server that records the webhooks the hub delivers and verifies their signatures. */
export const startWebhookReceiver = async (options: { secret?: string; path?: string } = {}): Promise<WebhookReceiver> => {
  const secret = options.secret ?? newWebhookSecret();
  const path = options.path ?? '/receive';
  const deliveries: ReceivedWebhook[] = [];
  const planned: number[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') {
      res.writeHead(req.method === 'HEAD' || req.method === 'GET' ? 200 : 405).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
    }
    let verified = false;
    let verifyError: string | undefined;
    try {
      verifyWebhook({ headers, rawBody, secret });
      verified = true;
    } catch (error) {
      verifyError = error instanceof Error ? error.message : String(error);
    }
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const status = req.url?.split('?')[0] !== path ? 404 : !verified ? 401 : (planned.shift() ?? 200);
    const record: ReceivedWebhook = {
      id: headers['webhook-id'] ?? '',
      headers,
      rawBody,
      body,
      verified,
      receivedAt: new Date(),
      answered: status,
    };
    if (verifyError !== undefined) record.verifyError = verifyError;
    deliveries.push(record);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: status < 300 }));
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
  if (address === null || typeof address === 'string') throw new Error('webhook receiver: no TCP address');
  const { port } = address;

  return {
    url: `http://127.0.0.1:${port}${path}`,
    secret,
    deliveries,
    countsById() {
      const counts = new Map<string, number>();
      for (const delivery of deliveries) {
        if (delivery.answered >= 200 && delivery.answered < 300) counts.set(delivery.id, (counts.get(delivery.id) ?? 0) + 1);
      }
      return counts;
    },
    failNext(statuses) {
      planned.push(...statuses);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
