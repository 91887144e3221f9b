import net from 'node:net';

/*
 * A keep-alive HTTP/1.1 load generator on plain sockets, in the spirit of wrk: one request
 * written per call, the answer read with just enough parsing to find its status, length and body.
 * node:http costs about as much CPU per request as the hub's own HTTP layer, and this machine's
 * two cores are shared by the generator and the hub, so a heavy client would make the hub look
 * slower than it is. Responses must carry Content-Length (the hub's JSON answers do).
 */

export interface HttpAnswer {
  status: number;
  body: string;
}

interface Pending {
  resolve(answer: HttpAnswer): void;
  reject(error: Error): void;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection; requests on it are sent one after another. */
class Connection {
  private readonly socket: net.Socket;
  private readonly ready: Promise<void>;
  private buffered: Buffer = Buffer.alloc(0);
  private pending: Pending | null = null;
  private failure: Error | null = null;

  constructor(host: string, port: number) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  async request(head: string, body: string): Promise<HttpAnswer> {
    await this.ready;
    if (this.failure) throw this.failure;
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(head + body);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headerEnd = this.buffered.indexOf(HEADER_END);
    if (headerEnd === -1) return;
    const head = this.buffered.toString('latin1', 0, headerEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) return this.fail(new Error(`an answer without Content-Length: ${head.slice(0, 200)}`));
    const bodyStart = headerEnd + HEADER_END.length;
    const bodyEnd = bodyStart + Number(length[1]);
    if (this.buffered.length < bodyEnd) return;
    const status = Number(head.slice(9, 12));
    const body = this.buffered.toString('utf8', bodyStart, bodyEnd);
    this.buffered = this.buffered.subarray(bodyEnd);
    const pending = this.pending;
    this.pending = null;
    pending?.resolve({ status, body });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }
}

/** A pool of `size` connections to `url`'s host, each carrying one request at a time. */
export class HttpLoad {
  private readonly idle: Connection[];
  /** Every header line but the length, written once. */
  private readonly fixedHeaders: string;

  constructor(url: URL, size: number, headers: Record<string, string>) {
    const extra = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    this.fixedHeaders = `host: ${url.host}\r\ncontent-type: application/json\r\n${extra}`;
    this.idle = Array.from({ length: size }, () => new Connection(url.hostname, Number(url.port)));
  }

  /** POSTs `body` as JSON; the caller keeps at most `size` requests in flight. */
  async post(path: string, body: string): Promise<HttpAnswer> {
    const connection = this.idle.pop();
    if (connection === undefined) throw new Error('more requests in flight than connections');
    const head = `POST ${path} HTTP/1.1\r\n${this.fixedHeaders}content-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    try {
      return await connection.request(head, body);
    } finally {
      this.idle.push(connection);
    }
  }

  close(): void {
    for (const connection of this.idle) connection.close();
  }
}
