import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { isPrivateAddress, type WebhookRequest, type WebhookResponse, type WebhookTransport } from '@switchboard/core';

const EXCERPT_CHARS = 200;
// Read at most this much of an answer; the rest is dropped with the connection.
const MAX_ANSWER_BYTES = 64 * 1024;

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Resolves like `dns.lookup` but refuses names that resolve to a private address, so a public
 * name cannot be pointed at the hub's own network (DNS rebinding): the check is on the address
 * actually connected to.
 */
const guardedLookup =
  (allowPrivateNetworks: boolean) =>
  (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const refused = allowPrivateNetworks ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (refused) {
        const denied: NodeJS.ErrnoException = new Error(`refused: ${hostname} resolves to the private address ${refused.address} (hub.webhooks.allowPrivateNetworks is off)`);
        denied.code = 'EPRIVATE';
        return callback(denied, []);
      }
      const [first] = addresses;
      if (options.all) return callback(null, addresses);
      if (first === undefined) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      return callback(null, first.address, first.family);
    });
  };

const readExcerpt = (response: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT_CHARS));
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
      else {
        response.destroy();
        done();
      }
    });
    response.on('end', done);
    response.on('error', done);
    response.on('close', done);
  });

/** Webhook POSTs with node:http(s): keep-alive connections, no redirects followed, one deadline per attempt. */
export class NodeHttpWebhookTransport implements WebhookTransport {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 16 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 16 });

  post(request: WebhookRequest): Promise<WebhookResponse> {
    const url = new URL(request.url);
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    // An IP address in the URL is connected to without a lookup: check it here.
    if (!request.allowPrivateNetworks && isIP(literal) !== 0 && isPrivateAddress(literal)) {
      return Promise.reject(new Error(`refused: ${literal} is a private address (hub.webhooks.allowPrivateNetworks is off)`));
    }
    const secure = url.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    return new Promise<WebhookResponse>((resolve, reject) => {
      let settled = false;
      const finish = (work: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        work();
      };
      const outgoing = send(
        url,
        {
          method: 'POST',
          headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
          agent: secure ? this.https : this.http,
          lookup: guardedLookup(request.allowPrivateNetworks) as unknown as NonNullable<Parameters<typeof httpRequest>[1]>['lookup'],
        },
        (response) => {
          readExcerpt(response).then(
            (bodyExcerpt) => finish(() => resolve({ status: response.statusCode ?? 0, bodyExcerpt })),
            () => finish(() => resolve({ status: response.statusCode ?? 0, bodyExcerpt: '' })),
          );
        },
      );
      const deadline = setTimeout(() => {
        finish(() => reject(new Error(`no answer within ${request.timeoutMs} ms`)));
        outgoing.destroy();
      }, request.timeoutMs);
      outgoing.on('error', (error: NodeJS.ErrnoException) => finish(() => reject(new Error(error.message || error.code || 'request failed'))));
      outgoing.end(request.body);
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
