import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook, WebhookVerificationError } from '../webhook-signature.js';

// The test vector published with the Standard Webhooks reference libraries.
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const at = (unixSeconds: number) => new Date(unixSeconds * 1000);

const failure = (run: () => unknown): WebhookVerificationError => {
  try {
    run();
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error;
    throw error;
  }
  throw new Error('expected verification to fail');
};

describe('signWebhook', () => {
  it('reproduces the Standard Webhooks reference vector', () => {
    expect(signWebhook(SPEC)).toEqual({
      'webhook-id': SPEC.id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': SPEC.signature,
    });
  });

  it('matches an HMAC computed directly with node:crypto, for a whsec_ and a raw secret', () => {
    const key = Buffer.from('a fixed key of thirty-two bytes!');
    const body = '{"type":"message.outbound","text":"héllo"}';
    const expected = createHmac('sha256', key).update(`int_01.1700000000.${body}`, 'utf8').digest('base64');

    const prefixed = signWebhook({ id: 'int_01', timestamp: at(1700000000), body, secret: `whsec_${key.toString('base64')}` });
    const raw = signWebhook({ id: 'int_01', timestamp: 1700000000, body: Buffer.from(body), secret: key.toString('utf8') });

    expect(prefixed['webhook-signature']).toBe(`v1,${expected}`);
    expect(raw['webhook-signature']).toBe(`v1,${expected}`);
  });

  it('refuses a whsec_ secret that is not base64, without echoing it', () => {
    expect(() => signWebhook({ id: 'x', timestamp: 1, body: '', secret: 'whsec_not*base64!' })).toThrow(/malformed/);
    expect(() => signWebhook({ id: 'x', timestamp: 1, body: '', secret: 'whsec_not*base64!' })).not.toThrow(/not\*base64/);
  });
});

describe('verifyWebhook', () => {
  const headers = { 'webhook-id': SPEC.id, 'webhook-timestamp': String(SPEC.timestamp), 'webhook-signature': SPEC.signature };
  const verify = (overrides: Partial<Parameters<typeof verifyWebhook>[0]> = {}) =>
    verifyWebhook({ headers, rawBody: SPEC.body, secret: SPEC.secret, now: at(SPEC.timestamp + 10), ...overrides });

  it('accepts the reference vector and returns id and timestamp', () => {
    expect(verify()).toEqual({ id: SPEC.id, timestamp: SPEC.timestamp });
  });

  it('accepts a Headers object, mixed-case names and a list where one signature matches', () => {
    const list = `v1,${Buffer.alloc(32).toString('base64')} v2,whatever ${SPEC.signature}`;
    expect(() => verify({ headers: { 'Webhook-Id': SPEC.id, 'WEBHOOK-TIMESTAMP': '1614265330', 'webhook-signature': list } })).not.toThrow();
    expect(() => verify({ headers: new Headers(headers), rawBody: new TextEncoder().encode(SPEC.body) })).not.toThrow();
  });

  it('rejects a tampered body, a wrong secret and a signature of another version', () => {
    expect(failure(() => verify({ rawBody: '{"test": 2432232315}' })).reason).toBe('no_matching_signature');
    expect(failure(() => verify({ secret: 'whsec_' + Buffer.from('another key').toString('base64') })).reason).toBe('no_matching_signature');
    expect(failure(() => verify({ headers: { ...headers, 'webhook-signature': SPEC.signature.replace('v1,', 'v2,') } })).reason).toBe(
      'no_matching_signature',
    );
    expect(failure(() => verify({ headers: { ...headers, 'webhook-signature': 'v1,short' } })).reason).toBe('no_matching_signature');
  });

  it('rejects missing headers and a malformed timestamp', () => {
    expect(failure(() => verify({ headers: { 'webhook-id': SPEC.id, 'webhook-timestamp': '1614265330' } })).reason).toBe('missing_headers');
    expect(failure(() => verify({ headers: { ...headers, 'webhook-timestamp': '2021-02-25T15:02:10Z' } })).reason).toBe('invalid_timestamp');
  });

  it('enforces the tolerance in both directions', () => {
    expect(() => verify({ now: at(SPEC.timestamp + 300) })).not.toThrow();
    expect(failure(() => verify({ now: at(SPEC.timestamp + 301) })).reason).toBe('timestamp_too_old');
    expect(failure(() => verify({ now: at(SPEC.timestamp - 301) })).reason).toBe('timestamp_too_new');
    expect(() => verify({ now: at(SPEC.timestamp + 3000), toleranceSeconds: 3600 })).not.toThrow();
  });
});
