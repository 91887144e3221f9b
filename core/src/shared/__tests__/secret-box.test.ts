import { describe, expect, it } from 'vitest';
import { SecretBox, SecretBoxKeyMissing } from '../secret-box.js';

const KEY_A = 'a'.repeat(32) + '-key-a';
const KEY_B = 'b'.repeat(32) + '-key-b';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('SecretBox', () => {
  it('seals with a fresh IV each time, hides the value, and opens it again', () => {
    const box = SecretBox.of(KEY_A);
    const one = box.seal(SECRET);
    const two = box.seal(SECRET);
    expect(one).toMatch(/^sb1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(one).not.toBe(two);
    expect(one).not.toContain(SECRET.slice('whsec_'.length));
    expect(box.open(one)).toBe(SECRET);
    expect(box.open(two)).toBe(SECRET);
    expect(one.split('.')[1]).toBe(box.keyId);
  });

  it('opens what a previous key sealed, and says which values to seal again', () => {
    const old = SecretBox.of(KEY_A).seal(SECRET);
    const box = SecretBox.of(KEY_B, [KEY_A]);
    expect(box.open(old)).toBe(SECRET);
    expect(box.needsReseal(old)).toBe(true);
    expect(box.needsReseal(SECRET)).toBe(true);
    expect(box.needsReseal(box.seal(SECRET))).toBe(false);
    expect(SecretBox.none.needsReseal(SECRET)).toBe(false);
  });

  it('refuses a value sealed under a key it lacks, naming the key id only', () => {
    const sealed = SecretBox.of(KEY_A).seal(SECRET);
    const error = (() => {
      try {
        SecretBox.of(KEY_B).open(sealed);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SecretBoxKeyMissing);
    expect((error as Error).message).toContain(`sealed with key ${sealed.split('.')[1]}`);
    expect((error as Error).message).not.toContain(KEY_A);
    expect(() => SecretBox.none.open(sealed)).toThrow(SecretBoxKeyMissing);
  });

  it('detects a changed ciphertext (GCM tag)', () => {
    const box = SecretBox.of(KEY_A);
    const [prefix, id, iv, body = ''] = box.seal(SECRET).split('.');
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => box.open([prefix, id, iv, flipped.toString('base64url')].join('.'))).toThrow();
  });

  it('keeps values stored before a key was set readable, and without a key stores values as they are', () => {
    expect(SecretBox.of(KEY_A).open(SECRET)).toBe(SECRET);
    expect(SecretBox.none.seal(SECRET)).toBe(SECRET);
    expect(SecretBox.none.keyId).toBeNull();
  });

  it('refuses keys shorter than 32 characters', () => {
    expect(() => SecretBox.of('short')).toThrow(RangeError);
    expect(() => SecretBox.of(KEY_A, ['short'])).toThrow(RangeError);
  });
});
