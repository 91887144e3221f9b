import { createHash } from 'node:crypto';
import type { BlobContent, BlobPutOptions, BlobReader, BlobStore, StoredBlob } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { mailToInbound, type ConvertOptions } from '../mail-to-inbound.js';

/** Bytes kept in memory under their sha256, as a blob store keeps them. */
class MemoryBlobs implements BlobStore {
  readonly maxBytes = 1024 * 1024;
  readonly kept = new Map<string, { bytes: Uint8Array; contentType: string }>();
  async put(content: BlobContent, options: BlobPutOptions): Promise<StoredBlob> {
    if (!(content instanceof Uint8Array)) throw new Error('bytes only here');
    const ref = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    if (!this.kept.has(ref)) this.kept.set(ref, { bytes: content, contentType: options.contentType });
    return { ref, size: content.byteLength, contentType: this.kept.get(ref)!.contentType };
  }
  async get(ref: string): Promise<BlobReader | null> {
    const blob = this.kept.get(ref);
    if (!blob) return null;
    return { ref, size: blob.bytes.byteLength, contentType: blob.contentType, stream: async function* () { yield blob.bytes; }, bytes: async () => blob.bytes };
  }
  async has(ref: string): Promise<boolean> {
    return this.kept.has(ref);
  }
  async delete(ref: string): Promise<boolean> {
    return this.kept.delete(ref);
  }
}

const mail = (body: string, extra: string[] = []) =>
  Buffer.from(['From: Ann <ann@customer.example.com>', 'To: support@acme.test', 'Subject: printer', 'Message-ID: <keep-1@customer.example.com>', ...extra, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n'));

const convert = async (raw: Buffer, options: Partial<ConvertOptions> = {}) => {
  const blobs = new MemoryBlobs();
  const facts = await mailToInbound(raw, { channel: 'email', instanceId: 'mail', mailbox: 'INBOX', ownAddresses: new Set(), blobs, maxAttachmentBytes: 1024 * 1024, ...options }, 'fallback-id');
  const originals = (facts.message.attachments ?? []).filter((a) => a.name === 'original.eml');
  const stored = await Promise.all(
    originals.map(async (a) => {
      const blob = await blobs.get(a.url ?? '');
      return blob !== null && Buffer.from(await blob.bytes()).equals(raw);
    }),
  );
  return { facts, originals: originals.length, stored };
};

describe('the original source of a mail', () => {
  it('is not stored when the ledger holds all of the mail (keepOriginal: when-needed)', async () => {
    const { facts, originals } = await convert(mail('The printer is on fire.\r\nPlease help.'), { keepOriginal: 'when-needed' });
    expect(facts.message.text).toBe('The printer is on fire.\nPlease help.');
    expect(originals).toBe(0);
  });

  it('is stored when the reply shown to agents leaves out the quoted history', async () => {
    const raw = mail('Still broken.\r\n\r\nOn Tue, 1 Dec 2026, Support wrote:\r\n> Have you tried turning it off?\r\n');
    const { facts, originals, stored } = await convert(raw, { keepOriginal: 'when-needed' });
    expect(facts.message.text).toBe('Still broken.');
    expect(originals).toBe(1);
    expect(stored).toEqual([true]);
  });

  it('is stored when the text is longer than the ledger keeps', async () => {
    const { facts, originals } = await convert(mail('word '.repeat(60_000)), { keepOriginal: 'when-needed' });
    expect(facts.message.text.length).toBeLessThan(300_000);
    expect(originals).toBe(1);
  });

  it('is stored, byte for byte, when the mail cannot be read', async () => {
    const raw = mail('anything');
    const { facts, originals, stored } = await convert(raw, { keepOriginal: 'when-needed', parse: () => Promise.reject(new Error('the parser gave up')) });
    expect(facts.parseError).toBe('the parser gave up');
    expect(facts.message.externalId).toBe('fallback-id');
    expect([originals, ...stored]).toEqual([1, true]);
  });

  it('is stored for every mail with keepOriginal: always (and by default)', async () => {
    for (const options of [{ keepOriginal: 'always' as const }, {}]) {
      const raw = mail('The printer is on fire.');
      const { originals, stored } = await convert(raw, options);
      expect([originals, ...stored]).toEqual([1, true]);
    }
  });
});
