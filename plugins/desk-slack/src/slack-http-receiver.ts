import type { Logger, PluginHttpRequest, PluginHttpResponse, PluginHttpRoute } from '@switchboard/core';
import { verifySlackRequest, type App, type Receiver, type ReceiverEvent } from '@slack/bolt';

/** Listener work running at once, and queued at most, per hub process. */
const WORKERS = 16;
const MAX_BACKLOG = 5000;
/** Slack's signing window: requests older (or newer) than this are refused. */
export const SIGNATURE_WINDOW_SECONDS = 5 * 60;
const EVENT_MEMORY_MS = 60 * 60 * 1000;
const MAX_REMEMBERED = 20_000;

/** Remembers keys for a while, in arrival order, bounded. */
class RecentKeys {
  private readonly seen = new Map<string, number>();
  constructor(private readonly ttlMs: number) {}

  /** True when the key is new (and now remembered), false when it was seen within the ttl. */
  claim(key: string, now: number): boolean {
    for (const [old, at] of this.seen) {
      if (at > now - this.ttlMs && this.seen.size < MAX_REMEMBERED) break;
      this.seen.delete(old);
    }
    if (this.seen.has(key)) return false;
    this.seen.set(key, now);
    return true;
  }
}

const text = (status: number, body: string): PluginHttpResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body });

/** Events, interactivity and slash commands arrive form-encoded (`payload=` JSON for interactivity) or as JSON. */
const parseBody = (contentType: string, raw: string): Record<string, unknown> => {
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const form = Object.fromEntries(new URLSearchParams(raw));
    return typeof form['payload'] === 'string' ? (JSON.parse(form['payload']) as Record<string, unknown>) : form;
  }
  return JSON.parse(raw) as Record<string, unknown>;
};

export interface HubReceiverOptions {
  signingSecret: string;
  logger: Logger;
  now?: () => number;
}

/**
 * A bolt Receiver behind the hub's plugin HTTP route: the hub owns the HTTP server, so this
 * receiver only turns a `PluginHttpRequest` into a bolt `ReceiverEvent`. It verifies the signature
 * with bolt's own `verifySlackRequest` (signing secret, 5-minute window), refuses a replayed
 * signature, drops repeated `event_id`s (Slack retries with `X-Slack-Retry-Num`), and answers at
 * once, before any work: the work goes on after the answer (ack < 3 s).
 */
export class HubReceiver implements Receiver {
  private app: App | null = null;
  private readonly signatures = new RecentKeys(SIGNATURE_WINDOW_SECONDS * 2 * 1000);
  private readonly events = new RecentKeys(EVENT_MEMORY_MS);
  private readonly now: () => number;
  /** Listener work still running after its ack (`stop` waits for it). */
  readonly pending = new Set<Promise<void>>();
  private readonly backlog: (() => Promise<void>)[] = [];
  private running = 0;

  constructor(private readonly options: HubReceiverOptions) {
    this.now = options.now ?? Date.now;
  }

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  route(path: string, bodyLimit: number): PluginHttpRoute {
    return { method: 'POST', path, bodyLimit, handle: (request) => this.handle(request) };
  }

  async handle(request: PluginHttpRequest): Promise<PluginHttpResponse> {
    const app = this.app;
    if (app === null) return text(503, 'the Slack app is starting');
    const raw = Buffer.from(request.rawBody).toString('utf8');
    const signature = request.headers['x-slack-signature'] ?? '';
    const timestamp = Number(request.headers['x-slack-request-timestamp']);
    try {
      verifySlackRequest({
        signingSecret: this.options.signingSecret,
        body: raw,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
        nowMilliseconds: this.now(),
      });
    } catch (error) {
      this.options.logger.warn({ reason: error instanceof Error ? error.message : String(error) }, 'Slack request refused: signature');
      return text(401, 'invalid signature');
    }
    const retryNum = request.headers['x-slack-retry-num'] === undefined ? undefined : Number(request.headers['x-slack-retry-num']);
    // The same signed request again is a replay unless Slack says it is a retry (then event_id dedupes it).
    if (!this.signatures.claim(`${timestamp}:${signature}`, this.now()) && retryNum === undefined) {
      this.options.logger.warn({}, 'Slack request refused: replayed signature');
      return text(401, 'replayed request');
    }
    let body: Record<string, unknown>;
    try {
      body = parseBody(request.headers['content-type'] ?? '', raw);
    } catch {
      return text(400, 'malformed body');
    }
    if (body['type'] === 'url_verification') return { status: 200, body: { challenge: body['challenge'] } };
    if (body['ssl_check'] !== undefined) return text(200, '');
    const eventId = typeof body['event_id'] === 'string' ? body['event_id'] : null;
    if (eventId !== null && !this.events.claim(eventId, this.now())) return text(200, '');
    return this.dispatch(app, body, retryNum, request.headers['x-slack-retry-reason']);
  }

  /**
   * Answers at once and hands the request to bolt on a bounded queue: the ack never waits for
   * listener work (nor for other requests' work), so a burst stays well inside Slack's 3 s. The
   * listeners answer users through the Web API (ephemeral messages), never in the ack body.
   */
  private dispatch(app: App, body: Record<string, unknown>, retryNum: number | undefined, retryReason: string | undefined): Promise<PluginHttpResponse> {
    if (this.backlog.length >= MAX_BACKLOG) {
      this.options.logger.warn({ backlog: this.backlog.length }, 'Slack request refused: too much work queued; Slack retries it');
      return Promise.resolve(text(503, 'busy'));
    }
    const event: ReceiverEvent = {
      body,
      ...(retryNum === undefined ? {} : { retryNum }),
      ...(retryReason === undefined ? {} : { retryReason }),
      ack: async () => {},
    };
    this.backlog.push(() => app.processEvent(event));
    this.drain();
    return Promise.resolve(text(200, ''));
  }

  private drain(): void {
    while (this.running < WORKERS && this.backlog.length > 0) {
      const next = this.backlog.shift()!;
      this.running += 1;
      const work = next()
        .catch((error: unknown) => {
          this.options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'Slack listener failed');
        })
        .finally(() => {
          this.running -= 1;
          this.pending.delete(work);
          this.drain();
        });
      this.pending.add(work);
    }
  }
}
