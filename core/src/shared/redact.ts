// Field names whose values are secrets wherever they appear in a payload.
const SECRET_KEY = /(secret|password|passwd|token|authorization|credential|api[-_]?key|private[-_]?key|cookie)/i;

export const REDACTED = '[redacted]';

/** A copy of a JSON-like value with the values of secret-looking fields replaced, at any depth. */
export const redactSecrets = (value: unknown, depth = 0): unknown => {
  if (depth > 20) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) ? REDACTED : redactSecrets(item, depth + 1)]));
  }
  return value;
};
