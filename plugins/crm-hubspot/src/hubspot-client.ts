import { CrmError } from '@switchboard/core';

export interface HubspotClientOptions {
  apiBaseUrl: string;
  /** The private-app token, read when a request is made (a rotated secret file is picked up). */
  token: () => string;
  /** Requests per rolling 10 seconds this client allows itself (HubSpot: 100 or 190 per private app, by tier). */
  perTenSeconds: number;
  /** Attempts of one request on 429 / 5xx / network errors before it fails. */
  maxAttempts?: number;
  timeoutMs?: number;
  /** The longest `Retry-After` waited in place; longer ones fail with `retryAt` for the caller to schedule. */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface HubspotClientState {
  /** Why the last call was refused for its token (401/403), until one succeeds. */
  authError: string | null;
  lastError: string | null;
  lastOkAt: Date | null;
  remaining: number | null;
  limitedUntil: Date | null;
  /** 429s answered, and waited out, since start. */
  rateLimited: number;
}

const sleeper = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** HubSpot's error body: `{status, message, category, errorType, correlationId}`. */
const messageOf = (body: unknown, status: number): string => {
  if (body && typeof body === 'object' && 'message' in body && typeof (body as { message: unknown }).message === 'string') {
    const { message, category } = body as { message: string; category?: string };
    return `${status}${category ? ` ${category}` : ''}: ${message}`;
  }
  return `HTTP ${status}`;
};

/**
 * HubSpot's HTTP API as a good citizen: the bearer token on every call, a rolling 10-second budget
 * kept on our side (so a burst waits instead of drawing 429s), 429s waited out for `Retry-After`
 * (or HubSpot's interval header), 5xx and network errors retried with backoff, and errors mapped to
 * CrmError codes (401/403 → `unauthorized`, 404 → `not_found`, other 4xx → `invalid`).
 */
export class HubspotClient {
  readonly state: HubspotClientState = { authError: null, lastError: null, lastOkAt: null, remaining: null, limitedUntil: null, rateLimited: 0 };
  private readonly sent: number[] = [];
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly maxWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private budget: Promise<void> = Promise.resolve();

  constructor(private readonly options: HubspotClientOptions) {
    this.maxAttempts = options.maxAttempts ?? 6;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.maxWaitMs = options.maxWaitMs ?? 60_000;
    this.sleep = options.sleep ?? sleeper;
  }

  /** Waits for a slot in the rolling 10-second window; callers queue in order. */
  private takeSlot(): Promise<void> {
    const next = this.budget.then(async () => {
      for (;;) {
        const now = Date.now();
        while (this.sent.length > 0 && this.sent[0]! <= now - 10_000) this.sent.shift();
        const limitedFor = this.state.limitedUntil ? this.state.limitedUntil.getTime() - now : 0;
        if (limitedFor > 0) {
          await this.sleep(limitedFor);
          continue;
        }
        if (this.sent.length < this.options.perTenSeconds) {
          this.sent.push(now);
          return;
        }
        await this.sleep(this.sent[0]! + 10_000 - now + 1);
      }
    });
    this.budget = next.catch(() => undefined);
    return next;
  }

  async request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const url = `${this.options.apiBaseUrl.replace(/\/+$/, '')}${path}`;
    let lastError: CrmError | null = null;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      await this.takeSlot();
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: { authorization: `Bearer ${this.options.token()}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        lastError = new CrmError('unavailable', `HubSpot could not be reached: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        this.state.lastError = lastError.message;
        await this.sleep(Math.min(10_000, 250 * 2 ** (attempt - 1)));
        continue;
      }
      const remaining = response.headers.get('x-hubspot-ratelimit-remaining');
      if (remaining !== null && Number.isFinite(Number(remaining))) this.state.remaining = Number(remaining);
      const text = await response.text();
      let parsed: unknown = undefined;
      if (text.length > 0) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      if (response.ok) {
        this.state.authError = null;
        this.state.lastError = null;
        this.state.lastOkAt = new Date();
        return parsed as T;
      }
      const message = messageOf(parsed, response.status);
      if (response.status === 429) {
        this.state.rateLimited += 1;
        const retryAfter = Number(response.headers.get('retry-after'));
        const interval = Number(response.headers.get('x-hubspot-ratelimit-interval-milliseconds'));
        const waitMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : Number.isFinite(interval) && interval > 0 ? Math.min(interval, 10_000) : 1000;
        const until = new Date(Date.now() + waitMs);
        lastError = new CrmError('rate_limited', `HubSpot rate limit: ${message}`, { retryAt: until });
        this.state.lastError = lastError.message;
        if (waitMs > this.maxWaitMs) throw lastError;
        // Every request of this client waits it out (takeSlot), not just this one.
        this.state.limitedUntil = until;
        continue;
      }
      if (response.status === 401 || response.status === 403) {
        const reason = `HubSpot refused the access token (${message})`;
        this.state.authError = reason;
        this.state.lastError = reason;
        throw new CrmError('unauthorized', reason);
      }
      if (response.status >= 500) {
        lastError = new CrmError('unavailable', `HubSpot answered ${message}`);
        this.state.lastError = lastError.message;
        await this.sleep(Math.min(10_000, 250 * 2 ** (attempt - 1)));
        continue;
      }
      this.state.lastError = message;
      throw new CrmError(response.status === 404 ? 'not_found' : 'invalid', `HubSpot: ${message}`);
    }
    throw lastError ?? new CrmError('unavailable', 'HubSpot request failed');
  }
}
