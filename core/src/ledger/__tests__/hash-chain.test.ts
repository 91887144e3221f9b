import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHashOf, digestOf, verifyChain } from '../hash-chain.js';
import { tombstoneContent, type Interaction } from '../interaction.entity.js';

const entry = (seq: number, prev: Interaction | null, text: string): Interaction => {
  const base = {
    id: `00000000-0000-4000-8000-00000000000${seq}`,
    conversationId: 'c1',
    customerId: 'k1',
    seq,
    channel: 'webhook',
    direction: 'inbound' as const,
    type: 'message' as const,
    externalId: `m${seq}`,
    threadRef: null,
    subject: null,
    text,
    html: null,
    attachments: [],
    party: { kind: 'email', value: 'ann@example.com' },
    agentId: null,
    data: {},
    sourcePlugin: null,
    occurredAt: new Date(Date.UTC(2026, 0, 1, 0, seq)),
    recordedAt: new Date(Date.UTC(2026, 0, 1, 0, seq)),
  };
  const contentHash = contentHashOf(base);
  const prevDigest = prev?.digest ?? null;
  return { ...base, contentHash, prevDigest, digest: digestOf(base, contentHash, prevDigest), erasedAt: null };
};

const chain = (): Interaction[] => {
  const first = entry(1, null, 'hello');
  const second = entry(2, first, 'more');
  return [first, second, entry(3, second, 'thanks')];
};

describe('hash chain', () => {
  it('orders object keys canonically', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }], e: null })).toBe('{"a":[{"d":2}],"b":1,"e":null}');
  });

  it('verifies an intact chain', () => {
    expect(verifyChain(chain())).toEqual({ ok: true, entries: 3 });
  });

  it('names the first entry whose content was changed', () => {
    const entries = chain();
    entries[1] = { ...entries[1]!, text: 'tampered' };
    expect(verifyChain(entries)).toEqual({ ok: false, entries: 3, brokenAt: entries[1]!.id });
  });

  it('detects a removed entry', () => {
    const [first, , third] = chain();
    expect(verifyChain([first!, third!]).brokenAt).toBe(third!.id);
  });

  it('still verifies an erased entry through its kept content hash', () => {
    const entries = chain();
    entries[1] = tombstoneContent(entries[1]!, new Date());
    expect(entries[1]).toMatchObject({ text: '', subject: null, party: null });
    expect(verifyChain(entries)).toEqual({ ok: true, entries: 3 });
  });

  it('refuses an erased entry whose content is anything but the tombstone', () => {
    const entries = chain();
    entries[1] = { ...tombstoneContent(entries[1]!, new Date()), text: 'rewritten after erasure' };
    expect(verifyChain(entries)).toEqual({ ok: false, entries: 3, brokenAt: entries[1]!.id });
  });

  it('refuses changed content that is not marked erased', () => {
    const entries = chain();
    entries[1] = { ...entries[1]!, text: '', party: null };
    expect(verifyChain(entries).brokenAt).toBe(entries[1]!.id);
  });
});

describe('the canonical form behind every stored digest', () => {
  // Computed once and pinned: if this changes, chains already stored stop verifying.
  const content = {
    subject: 'Hi',
    text: 'Hello "world" \\ é',
    html: null,
    attachments: [{ name: 'a.txt', contentType: 'text/plain', size: 3 }],
    party: { kind: 'email', value: 'ann@example.com', name: 'Ann' },
    data: { inReplyTo: 'x' },
  };

  it('sorts keys by code unit, drops undefined members and writes dates as ISO strings', () => {
    expect(canonicalJson({ b: 1, a: [undefined, { z: undefined, y: 'é' }], Z: new Date('2026-01-02T03:04:05.678Z') })).toBe(
      '{"Z":"2026-01-02T03:04:05.678Z","a":[null,{"y":"é"}],"b":1}',
    );
  });

  it('writes empty and all-undefined objects as {}, and quotes keys that need escaping as JSON does', () => {
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson({ gone: undefined, also: undefined })).toBe('{}');
    expect(canonicalJson([{}, []])).toBe('[{},[]]');
    const awkward = { 'quo"te': 1, 'back\\slash': 2, 'new\nline': { '\u0001': null } };
    expect(canonicalJson(awkward)).toBe(JSON.stringify({ 'back\\slash': 2, 'new\nline': { '\u0001': null }, 'quo"te': 1 }));
    // Twice: the second time the keys come from the cache of quoted keys.
    expect(canonicalJson(awkward)).toBe(canonicalJson(structuredClone(awkward)));
  });

  it('hashes known content to the pinned value', () => {
    expect(canonicalJson(content)).toBe(
      '{"attachments":[{"contentType":"text/plain","name":"a.txt","size":3}],"data":{"inReplyTo":"x"},"html":null,"party":{"kind":"email","name":"Ann","value":"ann@example.com"},"subject":"Hi","text":"Hello \\"world\\" \\\\ é"}',
    );
    expect(contentHashOf(content)).toBe('67881f574b7a7a436efefd27438bc286e7d398f381267150cf1064001735a46f');
  });

  it('digests a known header to the pinned values, with and without a previous digest', () => {
    const header = {
      id: '00000000-0000-4000-8000-000000000001',
      conversationId: 'c1',
      customerId: 'k1',
      seq: 7,
      channel: 'email',
      direction: 'inbound' as const,
      type: 'message' as const,
      externalId: '<m1@example.com>',
      threadRef: null,
      agentId: null,
      occurredAt: new Date('2026-01-02T03:04:05.678Z'),
      recordedAt: new Date('2026-01-02T03:04:06.000Z'),
    };
    expect(digestOf(header, 'ab'.repeat(32), 'cd'.repeat(32))).toBe('4627463020b34b51f967c13b15cd19e922948b648a35a7dce870f30470ad57f4');
    expect(digestOf({ ...header, agentId: 'a1', threadRef: 't"1' }, 'ab'.repeat(32), null)).toBe('b52f680b095233e4f751c97ab904a459b72f86d922ff4220f92655852307d480');
  });
});
