import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** The shortest key the hub accepts: 32 characters, e.g. `openssl rand -base64 32` (44). */
export const MIN_SECRET_KEY_LENGTH = 32;
const PREFIX = 'sb1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value this hub cannot open: no configured key has its id. */
export class SecretBoxKeyMissing extends Error {
  constructor(readonly keyId: string) {
    super(`a stored secret is sealed with key ${keyId}, which this hub does not have (set SWITCHBOARD_SECRET_KEY, or list the old key in SWITCHBOARD_SECRET_KEY_PREVIOUS)`);
    this.name = 'SecretBoxKeyMissing';
  }
}

interface Key {
  id: string;
  aes: Buffer;
}

const deriveKey = (material: string): Key => ({
  // The id names the key without revealing it: a hash under a label of its own, 8 characters.
  id: createHash('sha256').update(`switchboard secret-box key id\0${material}`).digest('base64url').slice(0, 8),
  aes: Buffer.from(hkdfSync('sha256', material, 'switchboard', 'secret-box v1 aes-256-gcm', 32)),
});

/**
 * Secrets the hub generates and must read back (webhook signing secrets), sealed at rest with
 * AES-256-GCM under `SWITCHBOARD_SECRET_KEY`: a copy of the database alone does not reveal them.
 * Stored form `sb1.<key id>.<iv>.<ciphertext+tag>` (base64url); the key id lets a hub keep opening
 * values sealed under a previous key while it reseals them under the current one. Without a key,
 * values are stored as they are (and plain values stay readable once a key is set).
 */
export class SecretBox {
  private readonly current: Key | null;
  private readonly byId: Map<string, Key>;

  private constructor(current: string | undefined, previous: readonly string[]) {
    this.current = current === undefined ? null : deriveKey(current);
    const keys = [...(this.current ? [this.current] : []), ...previous.map(deriveKey)];
    this.byId = new Map(keys.map((k) => [k.id, k]));
  }

  /** Throws a RangeError naming what is wrong with a key (too short). */
  static of(current?: string, previous: readonly string[] = []): SecretBox {
    for (const key of [current, ...previous]) {
      if (key !== undefined && key.length < MIN_SECRET_KEY_LENGTH) throw new RangeError(`a secret key is at least ${MIN_SECRET_KEY_LENGTH} characters (openssl rand -base64 32)`);
    }
    return new SecretBox(current, previous);
  }

  /** Stores values as they are. */
  static readonly none = new SecretBox(undefined, []);

  /** The id of the key new values are sealed with, or null when there is none. */
  get keyId(): string | null {
    return this.current?.id ?? null;
  }

  seal(plain: string): string {
    if (this.current === null) return plain;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.aes, iv);
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${this.current.id}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
  }

  /** The plain value; a value stored before a key was set comes back as it is. */
  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const [keyId = '', iv = '', body = ''] = stored.slice(PREFIX.length).split('.');
    const key = this.byId.get(keyId);
    if (key === undefined) throw new SecretBoxKeyMissing(keyId);
    const sealed = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key.aes, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  }

  /** Whether a stored value should be sealed again: plain while a key is set, or under another key. */
  needsReseal(stored: string): boolean {
    if (this.current === null) return false;
    return !stored.startsWith(`${PREFIX}${this.current.id}.`);
  }
}
