import type { DeliveryFeedback, Health, IngestPort, IngestResult, Logger, PluginState, ResyncRequest, ResyncResult } from '@switchboard/core';
import { ImapFlow } from 'imapflow';
import { mailToInbound, normaliseMessageId, rawDigestId, storeOriginal, type ConvertOptions, type MailFacts } from './mail-to-inbound.js';
import { acquireParsePool, ParsePoolClosedError, releaseParsePool, type ParsePool } from './parse-pool.js';
import { subjectTokenIn, type SubjectTokens } from './subject-token.js';

export interface ImapSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  password?: string | undefined;
  accessToken?: string | undefined;
  mailbox: string;
  afterIngest: 'seen' | 'move' | 'none';
  moveTo?: string | undefined;
  pollSeconds: number;
  noopSeconds: number;
}

export interface WatcherOptions {
  imap: ImapSettings;
  convert: Omit<ConvertOptions, 'mailbox'>;
  maxMessageBytes: number;
  ingest: IngestPort;
  deliveries: DeliveryFeedback;
  state: PluginState | undefined;
  logger: Logger;
  /** Whether a Message-ID is one we sent (a bounce names it). */
  isOwnMessageId: (messageId: string) => boolean;
  /** Subject tokens (`[#ref]`) of mail we sent. */
  tokens?: SubjectTokens | undefined;
}

interface SizeFacts {
  size: number;
  envelope: { messageId?: string | undefined; subject?: string | undefined; from?: { address?: string | undefined; name?: string | undefined }[] | undefined } | undefined;
}

/** A mail read and parsed, not recorded yet. */
type Prepared = { uid: number; kind: 'mail'; facts: MailFacts } | { uid: number; kind: 'oversized'; facts: SizeFacts } | { uid: number; kind: 'parked' };

interface Cursor {
  uidValidity: string;
  lastUid: number;
}

/** A batch being read: `fetched` once its sources are off the connection, `prepared` once every mail is parsed and stored. */
interface Reading {
  fetched: Promise<void>;
  prepared: Promise<Prepared[]>;
}

/** Bytes of mail fetched per round trip at most (a chunk is ingested, acknowledged, then the cursor moves). */
const CHUNK_BYTES = 32 * 1024 * 1024;
const CHUNK_MESSAGES = 100;
const MAX_BACKOFF_MS = 60_000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

/**
 * What went wrong, for health and logs. imapflow's message is only 'Command failed': the server's
 * own words are in `responseText`, and a refused login is flagged `authenticationFailed`.
 */
const errorText = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error).slice(0, 500);
  const { authenticationFailed, responseText } = error as Error & { authenticationFailed?: boolean; responseText?: string };
  const said = typeof responseText === 'string' && responseText.length > 0 ? ` (server: ${responseText})` : '';
  if (authenticationFailed === true) return `authentication failed: the server refused the password or access token${said}`.slice(0, 500);
  return `${error.message}${said}`.slice(0, 500);
};

/**
 * One mailbox, watched: IDLE for push, a poll as fallback, a NOOP watchdog; on any failure the
 * connection is dropped and a new ImapFlow instance connects after a backoff (an instance is never
 * reused). Reads from the last UID stored for (mailbox, UIDVALIDITY), ingests, acknowledges after
 * the commit, then moves the cursor: a crash anywhere re-reads, and dedupe on the Message-ID (or the
 * raw source's SHA-256) keeps it at once.
 */
export class MailboxWatcher {
  readonly #options: WatcherOptions;
  #abort = new AbortController();
  #loop: Promise<void> | null = null;
  #client: ImapFlow | null = null;
  #wake: (() => void) | null = null;
  #running: Promise<void> = Promise.resolve();
  #status = { connected: false, lastUid: 0, uidValidity: '', lastError: null as string | null, backlog: 0, parked: 0, recorded: 0 };
  /** In-process cursor, when the hub gives no state (tests of the plugin alone). */
  #memory = new Map<string, unknown>();
  /** EXISTS when the last pass began: more means mail came in meanwhile. */
  #seenExists = 0;
  /** Parser threads, held from start() to stop() (and by a resync meanwhile). */
  #pool: ParsePool | null = null;

  constructor(options: WatcherOptions) {
    this.#options = options;
  }

  get mailbox(): string {
    return this.#options.imap.mailbox;
  }

  start(): void {
    if (this.#loop) return;
    this.#pool ??= acquireParsePool();
    this.#abort = new AbortController();
    this.#loop = this.#run(this.#abort.signal);
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    this.#wake?.();
    const client = this.#client;
    if (client) await client.logout().catch(() => client.close());
    await this.#loop?.catch(() => undefined);
    this.#loop = null;
    const pool = this.#pool;
    this.#pool = null;
    if (pool) await releaseParsePool(pool);
  }

  health(): Health {
    const s = this.#status;
    const detail = `${s.connected ? 'connected' : 'not connected'}; last UID ${s.lastUid}${s.uidValidity ? ` (UIDVALIDITY ${s.uidValidity})` : ''}; backlog ${s.backlog}; recorded ${s.recorded}; parked ${s.parked}${s.lastError ? `; last error: ${s.lastError}` : ''}`;
    return { status: s.connected ? (s.lastError && s.backlog > 0 ? 'degraded' : 'up') : 'down', detail };
  }

  /** A fresh connection: login and the mailbox exist. */
  async test(): Promise<Health> {
    const client = this.#newClient();
    try {
      await client.connect();
      const status = await client.status(this.mailbox, { messages: true, uidValidity: true });
      if (!status) return { status: 'down', detail: `IMAP: no mailbox ${this.mailbox}` };
      return { status: 'up', detail: `IMAP ${this.#options.imap.host}:${this.#options.imap.port} login ok; ${this.mailbox} holds ${status.messages ?? 0} messages` };
    } catch (error) {
      return { status: 'down', detail: `IMAP ${this.#options.imap.host}:${this.#options.imap.port}: ${errorText(error)}` };
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  /** Re-reads the mailbox on its own connection; the ledger's dedupe keeps what is recorded already. */
  async resync(request: ResyncRequest): Promise<ResyncResult> {
    const client = this.#newClient();
    // Its own hold on the parser threads: the watcher may stop (or never run, on an API node) meanwhile.
    const pool = acquireParsePool();
    try {
      await client.connect();
      const lock = await client.getMailboxLock(this.mailbox);
      try {
        const uids = 'since' in request ? ((await client.search({ since: request.since }, { uid: true })) || []) : ((await client.search({ all: true }, { uid: true })) || []);
        let added = 0;
        for (let i = 0; i < uids.length; i += CHUNK_MESSAGES) {
          const result = await this.#process(client, pool, uids.slice(i, i + CHUNK_MESSAGES), { acknowledge: false });
          added += result.added;
        }
        return { seen: uids.length, added, detail: `${this.mailbox}: ${uids.length} read, ${added} new` };
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => client.close());
      await releaseParsePool(pool);
    }
  }

  #newClient(): ImapFlow {
    const { imap } = this.#options;
    const auth = imap.accessToken !== undefined ? { user: imap.user, accessToken: imap.accessToken } : { user: imap.user, pass: imap.password ?? '' };
    const client = new ImapFlow({ host: imap.host, port: imap.port, secure: imap.secure, auth, logger: false, connectionTimeout: 15_000, greetingTimeout: 15_000, autoIdleDelay: 1000 });
    // imapflow emits 'error' on socket trouble; without a listener Node would throw.
    client.on('error', (error: unknown) => {
      this.#status.lastError = errorText(error);
    });
    return client;
  }

  async #run(signal: AbortSignal): Promise<void> {
    let backoff = 500;
    while (!signal.aborted) {
      const client = this.#newClient();
      this.#client = client;
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      try {
        await client.connect();
        // Selected for the whole session, locked only while a pass runs: imapflow starts IDLE
        // on its own when the connection is free, and a held lock would keep it busy.
        await client.mailboxOpen(this.mailbox);
        this.#status.connected = true;
        client.on('exists', () => this.#wake?.());
        await this.#catchUp(client);
        backoff = 500;
        this.#status.lastError = null;
        while (!signal.aborted && client.usable) {
          const woke = await this.#waitForWork(client, closed, signal);
          if (signal.aborted || !client.usable) break;
          if (woke === 'noop') {
            // The watchdog: a connection that does not answer NOOP in time is dead.
            await Promise.race([client.noop(), sleep(10_000, signal).then(() => Promise.reject(new Error('NOOP unanswered for 10 s')))]);
            continue;
          }
          await this.#catchUp(client);
        }
      } catch (error) {
        if (!signal.aborted) {
          this.#status.lastError = errorText(error);
          this.#options.logger.warn({ mailbox: this.mailbox, err: this.#status.lastError }, 'IMAP connection failed; reconnecting');
        }
      } finally {
        this.#status.connected = false;
        this.#client = null;
        await client.logout().catch(() => client.close());
      }
      if (signal.aborted) break;
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  /** Resolves on new mail (IDLE's EXISTS), the poll timer, the NOOP timer or the connection's end. */
  #waitForWork(client: ImapFlow, closed: Promise<void>, signal: AbortSignal): Promise<'mail' | 'poll' | 'noop' | 'closed'> {
    const { pollSeconds, noopSeconds } = this.#options.imap;
    return new Promise((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      const onAbort = () => done('closed');
      const done = (why: 'mail' | 'poll' | 'noop' | 'closed') => {
        for (const timer of timers) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#wake = null;
        resolve(why);
      };
      this.#wake = () => done('mail');
      timers.push(setTimeout(() => done('poll'), pollSeconds * 1000));
      timers.push(setTimeout(() => done('noop'), noopSeconds * 1000));
      void closed.then(() => done('closed'));
      signal.addEventListener('abort', onAbort, { once: true });
      // Mail that arrived while the last pass ran: look again at once.
      if ((client.mailbox ? client.mailbox.exists : 0) > this.#seenExists) done('mail');
    });
  }

  async #cursor(uidValidity: string): Promise<Cursor> {
    const key = `cursor:${this.mailbox}`;
    const stored = this.#options.state ? await this.#options.state.get(key) : (this.#memory.get(key) ?? null);
    const cursor = stored as Partial<Cursor> | null;
    // Another UIDVALIDITY: the old UIDs mean nothing now; read all again (dedupe keeps what we have).
    if (!cursor || cursor.uidValidity !== uidValidity || typeof cursor.lastUid !== 'number') return { uidValidity, lastUid: 0 };
    return { uidValidity, lastUid: cursor.lastUid };
  }

  async #saveCursor(cursor: Cursor): Promise<void> {
    const key = `cursor:${this.mailbox}`;
    if (this.#options.state) await this.#options.state.set(key, cursor);
    else this.#memory.set(key, cursor);
  }

  /** Reads everything past the cursor, chunk by chunk; one at a time per watcher. */
  #catchUp(client: ImapFlow): Promise<void> {
    const run = this.#running.then(async () => {
      const lock = await client.getMailboxLock(this.mailbox);
      try {
        await this.#pass(client);
      } finally {
        lock.release();
      }
    });
    this.#running = run.catch(() => undefined);
    return run;
  }

  async #pass(client: ImapFlow): Promise<void> {
    const mailbox = client.mailbox;
    if (!mailbox) throw new Error('no mailbox open');
    this.#seenExists = mailbox.exists;
    const uidValidity = String(mailbox.uidValidity);
    let cursor = await this.#cursor(uidValidity);
    this.#status.uidValidity = uidValidity;
    this.#status.lastUid = cursor.lastUid;
    const pending = ((await client.search({ uid: `${cursor.lastUid + 1}:*` }, { uid: true })) || []).filter((uid) => uid > cursor.lastUid).sort((a, b) => a - b);
    this.#status.backlog = pending.length;
    const batches: number[][] = [];
    for (let i = 0; i < pending.length; i += CHUNK_MESSAGES) batches.push(pending.slice(i, i + CHUNK_MESSAGES));
    // A pipeline: the next batch's sources are fetched as soon as the connection is free of this
    // one's and parsed (in the parser threads) while this one is committed. Each committed batch
    // is then acknowledged and its cursor saved, in that order and batch after batch, while the
    // next one commits: "acknowledged only after commit" and "the cursor never passes an
    // uncommitted mail" hold as before. A failed acknowledgement stops the cursor there (what
    // follows is read again and kept once by dedupe) and fails the pass.
    const pool = this.#pool;
    let next = batches.length > 0 ? this.#read(client, pool, batches[0]!) : null;
    let done = 0;
    let settled: Promise<void> = Promise.resolve();
    let stopped = false;
    try {
      for (let i = 0; i < batches.length && !stopped; i++) {
        const reading = next!;
        await reading.fetched;
        next = i + 1 < batches.length ? this.#read(client, pool, batches[i + 1]!) : null;
        // A failure of the batch in flight surfaces when it is awaited; until then it must not go unhandled.
        next?.fetched.catch(() => undefined);
        next?.prepared.catch(() => undefined);
        const prepared = await reading.prepared;
        const { lastUid, acknowledged } = await this.#commit(client, prepared);
        const size = batches[i]!.length;
        settled = settled.then(async () => {
          if (acknowledged.length > 0) await this.#acknowledge(client, acknowledged);
          cursor = { uidValidity, lastUid: Math.max(cursor.lastUid, lastUid) };
          await this.#saveCursor(cursor);
          done += size;
          this.#status.lastUid = cursor.lastUid;
          this.#status.backlog = Math.max(0, pending.length - done);
        });
        // Awaited below, whatever happens to the batches after it; a failure stops the next commit.
        settled.catch(() => {
          stopped = true;
        });
      }
    } finally {
      await settled;
    }
  }

  /** Ingests the given UIDs (resync: without acknowledging them). Answers the last UID handled and how many were new. */
  async #process(client: ImapFlow, pool: ParsePool | null, uids: number[], options: { acknowledge: boolean }): Promise<{ lastUid: number; added: number }> {
    const { lastUid, added, acknowledged } = await this.#commit(client, await this.#read(client, pool, uids).prepared);
    if (options.acknowledge && acknowledged.length > 0) await this.#acknowledge(client, acknowledged);
    return { lastUid, added };
  }

  /** Starts reading a batch: see Reading. */
  #read(client: ImapFlow, pool: ParsePool | null, uids: number[]): Reading {
    let onFetched = (): void => {};
    const fetched = new Promise<void>((resolve) => {
      onFetched = resolve;
    });
    const prepared = this.#prepare(client, pool, uids, () => onFetched());
    // A failure before the sources are all in ends the wait for them too.
    return { fetched: Promise.race([fetched, prepared.then(() => undefined)]), prepared };
  }

  /**
   * Reads and parses a batch: sizes first (RFC822.SIZE), then the sources of those within the
   * limit, in chunks of bounded bytes. Each mail is parsed (attachments and the original into the
   * blob store) as its source arrives; the next chunk is fetched once the last one is parsed, so
   * no more than CHUNK_BYTES of sources are held at once. Nothing is recorded yet.
   */
  async #prepare(client: ImapFlow, pool: ParsePool | null, uids: number[], onFetched: () => void): Promise<Prepared[]> {
    const sizes = new Map<number, SizeFacts>();
    if (uids.length > 0) {
      for await (const message of client.fetch(uids.join(','), { uid: true, size: true, envelope: true }, { uid: true })) {
        sizes.set(message.uid, { size: message.size ?? 0, envelope: message.envelope });
      }
    }
    const ordered = uids.filter((uid) => sizes.has(uid));
    const { maxMessageBytes } = this.#options;
    const prepared: Promise<Prepared>[] = [];
    let index = 0;
    while (index < ordered.length) {
      // A chunk of sources within CHUNK_BYTES (at least one message).
      const chunk: number[] = [];
      let bytes = 0;
      while (index < ordered.length) {
        const uid = ordered[index]!;
        const size = sizes.get(uid)!.size;
        if (chunk.length > 0 && bytes + Math.min(size, maxMessageBytes) > CHUNK_BYTES) break;
        chunk.push(uid);
        bytes += Math.min(size, maxMessageBytes);
        index += 1;
      }
      const parsing = new Map<number, Promise<Prepared>>();
      const small = chunk.filter((uid) => sizes.get(uid)!.size <= maxMessageBytes);
      if (small.length > 0) {
        for await (const message of client.fetch(small.join(','), { uid: true, source: true }, { uid: true })) {
          const parse = this.#parse(message.uid, message.source ?? Buffer.alloc(0), pool);
          // Awaited once the chunk is in; a stop meanwhile must not count as unhandled.
          parse.catch(() => undefined);
          parsing.set(message.uid, parse);
        }
      }
      const chunkDone = chunk.map((uid): Promise<Prepared> => {
        const facts = sizes.get(uid)!;
        const parse = parsing.get(uid);
        if (parse) return parse;
        if (facts.size > maxMessageBytes) return Promise.resolve({ uid, kind: 'oversized', facts });
        return this.#parse(uid, Buffer.alloc(0), pool);
      });
      prepared.push(...chunkDone);
      if (index < ordered.length) await Promise.all(chunkDone);
    }
    onFetched();
    return Promise.all(prepared);
  }

  /** Records a prepared batch: every mail at once, so the ingest port commits them in a few transactions. */
  async #commit(client: ImapFlow, prepared: Prepared[]): Promise<{ lastUid: number; added: number; acknowledged: number[] }> {
    // Handed over together, so the batch fills the hub's ingest transactions (one per mail otherwise starts the first alone).
    const mails = prepared.flatMap((item) => (item.kind === 'mail' ? [item.facts.message] : []));
    const { ingest } = this.#options;
    const pending = ingest.ingestMany ? ingest.ingestMany(mails) : mails.map((message) => ingest.ingest(message));
    let next = 0;
    const outcomes = await Promise.all(
      prepared.map((item) =>
        item.kind === 'oversized' ? this.#recordOversized(item.uid, item.facts) : item.kind === 'mail' ? this.#ingestMail(client, item.uid, item.facts, pending[next++]!) : Promise.resolve('parked' as const),
      ),
    );
    let added = 0;
    const acknowledged: number[] = [];
    prepared.forEach((item, n) => {
      const outcome = outcomes[n]!;
      if (outcome === 'parked') return;
      if (outcome === 'added') added += 1;
      acknowledged.push(item.uid);
    });
    return { lastUid: Math.max(0, ...prepared.map((p) => p.uid)), added, acknowledged };
  }

  async #acknowledge(client: ImapFlow, uids: number[]): Promise<void> {
    const { afterIngest, moveTo } = this.#options.imap;
    if (afterIngest === 'seen') await client.messageFlagsAdd(uids.join(','), ['\\Seen'], { uid: true });
    else if (afterIngest === 'move' && moveTo) await client.messageMove(uids.join(','), moveTo, { uid: true });
  }

  /** Parses one source; a mail that cannot even be turned into a placeholder is parked (left unread, blocking nothing). */
  async #parse(uid: number, raw: Buffer, pool: ParsePool | null): Promise<Prepared> {
    const { convert } = this.#options;
    try {
      const parse = pool ? (source: Buffer) => pool.parse(source) : undefined;
      const facts = await mailToInbound(raw, { ...convert, mailbox: this.mailbox, parse }, () => rawDigestId(this.mailbox, raw));
      // A subject token names the first mail we sent in its conversation: a same-customer reference.
      const token = facts.parseError === null ? subjectTokenIn(facts.message.subject) : null;
      const tokenRef = token
        ? await this.#options.tokens?.messageIdOf(token).catch((error: unknown) => {
            // Without the token the mail still threads by its headers, or opens a conversation.
            this.#options.logger.warn({ mailbox: this.mailbox, uid, err: errorText(error) }, 'subject token lookup failed; threading by headers only');
            return null;
          })
        : null;
      if (tokenRef) facts.message.customerThreadRefs = [tokenRef];
      return { uid, kind: 'mail', facts };
    } catch (error) {
      // Stopping: the pass ends and the mail is read again, neither parked nor recorded.
      if (error instanceof ParsePoolClosedError) throw error;
      this.#park(uid, error);
      return { uid, kind: 'parked' };
    }
  }

  #park(uid: number, error: unknown): void {
    // Parked: not acknowledged (it stays unread in the mailbox), but it blocks nothing after it.
    this.#status.parked += 1;
    this.#status.lastError = `UID ${uid} parked: ${errorText(error)}`;
    this.#options.logger.error({ mailbox: this.mailbox, uid, err: errorText(error) }, 'mail parked');
  }

  /** Settles one mail's ingest (`recorded`, already submitted): a refusal is recorded as a placeholder, a failure parks it. */
  async #ingestMail(client: ImapFlow, uid: number, facts: MailFacts, recorded: Promise<IngestResult>): Promise<'added' | 'duplicate' | 'parked'> {
    const { convert } = this.#options;
    try {
      let result;
      try {
        result = await recorded;
      } catch (error) {
        // The ledger refused what we made of it: keep the mail as a placeholder with its source.
        this.#options.logger.warn({ mailbox: this.mailbox, uid, err: errorText(error) }, 'mail refused by the ledger; recording a placeholder');
        const kept = (facts.message.attachments ?? []).filter((a) => a.name === 'original.eml');
        // Not kept while it was parsed: read again, so the placeholder carries it.
        if (kept.length === 0) {
          const again = await client.fetchOne(String(uid), { source: true }, { uid: true });
          if (again && again.source) kept.push(await storeOriginal(again.source, convert));
        }
        result = await this.#options.ingest.ingest({
          channel: convert.channel,
          externalId: facts.message.externalId,
          from: { kind: 'external', value: `email:${convert.instanceId}-unreadable` },
          subject: '(mail the ledger refused)',
          text: `This mail was recorded without its content: ${errorText(error)}`,
          attachments: kept,
          routing: 'record',
          sourcePlugin: convert.instanceId,
        });
      }
      if (!result.duplicate) this.#status.recorded += 1;
      if (facts.report && !result.duplicate) await this.#markBounced(facts.report.originalMessageIds, facts.report.reason);
      return result.duplicate ? 'duplicate' : 'added';
    } catch (error) {
      this.#park(uid, error);
      return 'parked';
    }
  }

  async #markBounced(messageIds: readonly string[], reason: string): Promise<void> {
    for (const messageId of messageIds.filter(this.#options.isOwnMessageId)) {
      const marked = await this.#options.deliveries.markFailed({ channel: this.#options.convert.channel, externalId: messageId }, `bounced: ${reason}`);
      if (marked) return;
    }
  }

  async #recordOversized(uid: number, facts: SizeFacts): Promise<'added' | 'duplicate' | 'parked'> {
    const { convert, maxMessageBytes } = this.#options;
    const envelope = facts.envelope;
    const address = envelope?.from?.[0]?.address?.toLowerCase();
    try {
      const result = await this.#options.ingest.ingest({
        channel: convert.channel,
        externalId: normaliseMessageId(envelope?.messageId) ?? `oversized:${this.mailbox}:${uid}:${facts.size}`,
        from: address && /^[^\s@]+@[^\s@]+$/.test(address) ? { kind: 'email', value: address } : { kind: 'external', value: `email:${convert.instanceId}-no-sender` },
        ...(envelope?.subject ? { subject: envelope.subject.replaceAll('\u0000', '').slice(0, 998) } : {}),
        text: `This mail is ${facts.size} bytes, over the limit of ${maxMessageBytes} bytes: it was not downloaded. It stays in the mailbox ${this.mailbox} (UID ${uid}).`,
        threadScope: 'any',
        sourcePlugin: convert.instanceId,
      });
      if (!result.duplicate) this.#status.recorded += 1;
      return result.duplicate ? 'duplicate' : 'added';
    } catch (error) {
      this.#status.parked += 1;
      this.#status.lastError = `UID ${uid} parked: ${errorText(error)}`;
      return 'parked';
    }
  }
}
