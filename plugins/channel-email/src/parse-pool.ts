import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ParsedMail } from 'mailparser';

/**
 * What the ingest needs of a parsed mail, as it crosses from a parser thread: mailparser's fields,
 * the HTML already sanitised, attachments with their bytes. All structured-cloneable.
 */
export type ParsedParts = Pick<ParsedMail, 'headers' | 'headerLines' | 'from' | 'replyTo' | 'subject' | 'messageId' | 'inReplyTo' | 'references' | 'date' | 'text'> & {
  /** Sanitised HTML, when the mail has any. */
  html: string | undefined;
  attachments: { filename?: string | undefined; contentType: string; content: Buffer }[];
};

/** How mailparser is asked to parse, in this thread and in the parser threads alike. */
export const PARSER_OPTIONS = { skipImageLinks: true, skipTextToHtml: true } as const;

/** What sanitize-html allows beyond its defaults: inline images only, no remote content (tracking pixels), no scripts. */
export const SANITIZE_EXTRAS = {
  tags: ['img'],
  attributes: { img: ['src', 'alt', 'width', 'height'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['cid', 'data'] },
};

/** A job the pool was closed under: not the mail's fault, so the caller must not record it as unreadable. */
export class ParsePoolClosedError extends Error {
  constructor() {
    super('the mail parser threads were stopped');
    this.name = 'ParsePoolClosedError';
  }
}

// CommonJS, so that it runs as it is under tsx, vitest and the hub's bundle alike; the packages
// are loaded by the paths this module resolved.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { simpleParser } = require(workerData.mailparser);
const sanitizeHtml = require(workerData.sanitizeHtml);
const extras = workerData.sanitize;
const sanitizeOptions = {
  allowedTags: sanitizeHtml.defaults.allowedTags.concat(extras.tags),
  allowedAttributes: { ...sanitizeHtml.defaults.allowedAttributes, ...extras.attributes },
  allowedSchemes: extras.allowedSchemes,
  allowedSchemesByTag: extras.allowedSchemesByTag,
};
const message = (error) => (error instanceof Error ? error.message : String(error));
parentPort.on('message', (job) => {
  const raw = Buffer.from(job.raw.buffer, job.raw.byteOffset, job.raw.byteLength);
  simpleParser(raw, workerData.parserOptions).then(
    (parsed) => {
      const attachments = parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: new Uint8Array(a.content) }));
      const html = typeof parsed.html === 'string' && parsed.html.length > 0 ? sanitizeHtml(parsed.html, sanitizeOptions) : undefined;
      const parts = { headers: parsed.headers, headerLines: parsed.headerLines, from: parsed.from, replyTo: parsed.replyTo, subject: parsed.subject,
        messageId: parsed.messageId, inReplyTo: parsed.inReplyTo, references: parsed.references, date: parsed.date, text: parsed.text, html, attachments };
      try {
        // Each attachment's bytes are a fresh copy: moved, not copied again.
        parentPort.postMessage({ id: job.id, parts }, attachments.map((a) => a.content.buffer));
      } catch (error) {
        parentPort.postMessage({ id: job.id, error: 'the parsed mail could not be handed over: ' + message(error) });
      }
    },
    (error) => parentPort.postMessage({ id: job.id, error: message(error) }),
  );
});
`;

interface Job {
  id: number;
  /** The caller's source: sent again when the job is retried alone. */
  raw: Buffer;
  resolve(parts: ParsedParts): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}

interface Thread {
  worker: Worker;
  jobs: Map<number, Job>;
  /** The lane of retried jobs: one job at a time. */
  solo: boolean;
  dead: boolean;
}

type Reply = { id: number; parts: Omit<ParsedParts, 'attachments'> & { attachments: { filename?: string; contentType: string; content: Uint8Array }[] } } | { id: number; error: string };

export interface ParsePoolOptions {
  /** Threads parsing side by side (default: cores − 1, 1 to 4). */
  size?: number;
  /** A thread whose heap grows past this is ended (the mail is kept as unreadable), not the hub. */
  heapMb?: number;
  /** A parse that takes longer than this is given up (the thread is replaced). */
  timeoutMs?: number;
}

const DEFAULT_HEAP_MB = 1024;
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * mailparser and sanitize-html in worker threads, so that parsing (most of the CPU an ingested
 * mail costs in this process) runs beside the IMAP reads and the ledger's commits instead of
 * between them. A mail that kills or hangs its thread no longer takes the hub with it: the thread
 * is replaced, and the other mails it was parsing are parsed again one at a time in a thread of
 * their own, so only the mail that did it fails (and is kept as unreadable, with its source).
 */
export class ParsePool {
  readonly #size: number;
  readonly #heapMb: number;
  readonly #timeoutMs: number;
  readonly #threads: (Thread | null)[];
  #solo: Thread | null = null;
  readonly #soloQueue: Job[] = [];
  #nextId = 1;
  #closed = false;
  #retried = 0;
  readonly #paths: { mailparser: string; sanitizeHtml: string };

  constructor(options: ParsePoolOptions | number = {}) {
    const { size = Math.min(4, Math.max(1, availableParallelism() - 1)), heapMb = DEFAULT_HEAP_MB, timeoutMs = DEFAULT_TIMEOUT_MS } = typeof options === 'number' ? { size: options } : options;
    this.#size = size;
    this.#heapMb = heapMb;
    this.#timeoutMs = timeoutMs;
    this.#threads = Array.from({ length: size }, () => null);
    const require = createRequire(import.meta.url);
    this.#paths = { mailparser: require.resolve('mailparser'), sanitizeHtml: require.resolve('sanitize-html') };
  }

  /** Mails parsed again alone because their thread died under them (for diagnostics and tests). */
  get retried(): number {
    return this.#retried;
  }

  /** Parses one source in the least busy thread. */
  parse(raw: Buffer): Promise<ParsedParts> {
    if (this.#closed) return Promise.reject(new ParsePoolClosedError());
    let index = 0;
    for (let i = 1; i < this.#size; i++) if ((this.#threads[i]?.jobs.size ?? 0) < (this.#threads[index]?.jobs.size ?? 0)) index = i;
    const thread = this.#threads[index] ?? (this.#threads[index] = this.#spawn(false));
    return new Promise<ParsedParts>((resolve, reject) => {
      this.#send(thread, { id: this.#nextId++, raw, resolve, reject, timer: undefined });
    });
  }

  /** Stops the threads; parses still running or waiting reject with ParsePoolClosedError. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#soloQueue.splice(0)) job.reject(new ParsePoolClosedError());
    await Promise.all([...this.#threads, this.#solo].map((thread) => (thread ? this.#fail(thread, new ParsePoolClosedError()) : undefined)));
  }

  #send(thread: Thread, job: Job): void {
    job.timer = setTimeout(() => void this.#fail(thread, new Error(`parsing took longer than ${this.#timeoutMs / 1000} s`)), this.#timeoutMs);
    thread.jobs.set(job.id, job);
    // A copy of exactly the source's bytes, moved: the caller keeps its own (stored as the
    // original, or sent again), and a view into a larger buffer would send all of that buffer.
    const copy = new Uint8Array(job.raw);
    thread.worker.postMessage({ id: job.id, raw: copy }, [copy.buffer]);
  }

  #spawn(solo: boolean): Thread {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ...this.#paths, parserOptions: PARSER_OPTIONS, sanitize: SANITIZE_EXTRAS },
      resourceLimits: { maxOldGenerationSizeMb: this.#heapMb },
    });
    const thread: Thread = { worker, jobs: new Map(), solo, dead: false };
    // An idle pool must not keep the process alive.
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const job = thread.jobs.get(reply.id);
      if (!job) return;
      thread.jobs.delete(reply.id);
      clearTimeout(job.timer);
      if ('error' in reply) job.reject(new Error(reply.error));
      else {
        const attachments = reply.parts.attachments.map((a) => ({ ...a, content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength) }));
        job.resolve({ ...reply.parts, attachments });
      }
      if (thread.solo) this.#nextSolo();
    });
    worker.on('error', (error) => void this.#fail(thread, new Error(`the parser thread failed: ${error.message}`)));
    worker.on('exit', (code) => void this.#fail(thread, new Error(`the parser thread exited (code ${code})`)));
    return thread;
  }

  /**
   * Drops a dead (or hung) thread; the next parse starts a new one. Which of its mails did it is
   * not known when it held several: each is parsed again alone, and only one that fails alone
   * fails for good.
   */
  async #fail(thread: Thread, error: Error): Promise<void> {
    if (thread.dead) return;
    thread.dead = true;
    const slot = this.#threads.indexOf(thread);
    if (slot >= 0) this.#threads[slot] = null;
    if (this.#solo === thread) this.#solo = null;
    const jobs = [...thread.jobs.values()];
    thread.jobs.clear();
    for (const job of jobs) clearTimeout(job.timer);
    const alone = thread.solo || jobs.length === 1 || this.#closed || error instanceof ParsePoolClosedError;
    if (alone) for (const job of jobs) job.reject(this.#closed ? new ParsePoolClosedError() : error);
    else {
      this.#retried += jobs.length;
      this.#soloQueue.push(...jobs);
    }
    await thread.worker.terminate().catch(() => undefined);
    this.#nextSolo();
  }

  /** Runs the next retried job once the solo lane is free. */
  #nextSolo(): void {
    if (this.#closed || (this.#solo && this.#solo.jobs.size > 0)) return;
    const job = this.#soloQueue.shift();
    if (!job) return;
    this.#solo ??= this.#spawn(true);
    this.#send(this.#solo, job);
  }
}

/** One pool for every mailbox of the process, started with the first watcher and stopped with the last. */
let shared: { pool: ParsePool; users: number } | null = null;

export const acquireParsePool = (): ParsePool => {
  shared ??= { pool: new ParsePool(), users: 0 };
  shared.users += 1;
  return shared.pool;
};

export const releaseParsePool = async (pool: ParsePool): Promise<void> => {
  if (!shared || shared.pool !== pool) return;
  shared.users -= 1;
  if (shared.users > 0) return;
  shared = null;
  await pool.close();
};
