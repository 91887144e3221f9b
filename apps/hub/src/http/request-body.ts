import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { HubEnv } from './hub-env.js';
import { bodyTooLargeProblem } from './problem.js';

/**
 * How much of a refused body is still read (and dropped) before the answer, and for how long.
 *
 * Node closes a connection whose answer says `Connection: close` as soon as the answer is written;
 * the kernel then resets it under a sender that is still writing, and the reset can destroy the
 * answer before the sender reads it: a proxy piping the body on sees EPIPE/ECONNRESET and answers
 * 502 or drops its client. Reading the rest first keeps the connection intact (and reusable); past
 * these bounds the hub stops reading and closes.
 */
export const DRAIN_LIMITS = { bytes: 64 * 1024 * 1024, ms: 10_000 } as const;

type BodyRead = { ok: true; body: Buffer } | { ok: false; drained: boolean };

/** The whole body of a Node request, or a refusal once it passes `maxBytes` (the rest drained within DRAIN_LIMITS). */
const readIncoming = (incoming: IncomingMessage, maxBytes: number): Promise<BodyRead> =>
  new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const giveUp = () => {
      done();
      incoming.pause();
      resolve({ ok: false, drained: false });
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      if (timer === undefined) {
        chunks = [];
        timer = setTimeout(giveUp, DRAIN_LIMITS.ms);
        timer.unref();
      }
      if (size > maxBytes + DRAIN_LIMITS.bytes) giveUp();
    };
    const onEnd = () => {
      done();
      resolve(size > maxBytes ? { ok: false, drained: true } : { ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const onClose = () => {
      done();
      reject(new Error('the client closed the connection before the request body ended'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });

/** The whole of a WHATWG body (no socket under it: `app.request()`), or a refusal past `maxBytes`. */
const readStream = async (stream: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<BodyRead> => {
  if (stream === null) return { ok: true, body: Buffer.alloc(0) };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { ok: true, body: Buffer.concat(chunks, size) };
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return { ok: false, drained: true };
    }
    chunks.push(value);
  }
};

/** Whether the request carries a body at all (no body: nothing to read or limit). */
export const hasBody = (c: Context<HubEnv>): boolean => {
  const incoming = c.env?.incoming;
  if (incoming === undefined) return c.req.raw.body !== null;
  return incoming.headers['content-length'] !== undefined || incoming.headers['transfer-encoding'] !== undefined;
};

/**
 * Reads the request body up to `maxBytes`: straight from the Node request when served by
 * @hono/node-server (building a WHATWG Request and stream per call measured as a tenth of the
 * API's CPU on the ingest path), through the WHATWG body otherwise, as under `app.request()`.
 * Past the limit the answer is a 413 problem that closes the connection only if the rest of the
 * body could not be drained.
 */
export const readLimitedBody = async (c: Context<HubEnv>, maxBytes: number): Promise<{ body: Buffer } | { refusal: Response }> => {
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (declared > maxBytes + DRAIN_LIMITS.bytes) return { refusal: bodyTooLargeProblem(maxBytes, { close: true }) };
  const incoming = c.env?.incoming;
  const read = incoming === undefined || incoming.readableEnded ? await readStream(c.req.raw.body, maxBytes) : await readIncoming(incoming, maxBytes);
  return read.ok ? { body: read.body } : { refusal: bodyTooLargeProblem(maxBytes, { close: !read.drained }) };
};
