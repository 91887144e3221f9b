import { createHash, randomBytes } from 'node:crypto';

/** `sbk_<8 hex prefix>_<base64url secret>`: the prefix is shown in listings, the rest never again. */
export const API_KEY_PATTERN = /^sbk_([0-9a-f]{8})_[A-Za-z0-9_-]{43,}$/;

export interface GeneratedApiKey {
  /** The whole key: shown once, never stored. */
  key: string;
  prefix: string;
  /** SHA-256 (hex) of the whole key: what is stored. */
  hash: string;
}

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export const generateApiKey = (): GeneratedApiKey => {
  const prefix = randomBytes(4).toString('hex');
  const key = `sbk_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
};

/** The part of a key safe to show: the hex prefix of our format, else only its first characters. */
export const apiKeyPrefix = (key: string): string => API_KEY_PATTERN.exec(key)?.[1] ?? key.slice(0, 4);
