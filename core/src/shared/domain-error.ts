/** How an error maps to the outside world: the API turns each kind into one HTTP status. */
export type DomainErrorKind = 'invalid' | 'not_found' | 'conflict' | 'forbidden' | 'unauthorized' | 'unavailable';

/**
 * The one error base class of Switchboard. `code` is dotted and stable (`'IDENTITY.INVALID_EMAIL'`),
 * `field` names the input field at fault where there is one.
 */
export class DomainError extends Error {
  readonly code: string;
  readonly kind: DomainErrorKind;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    kind: DomainErrorKind,
    code: string,
    message: string,
    options: { field?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    this.kind = kind;
    this.code = code;
    this.field = options.field;
    this.details = options.details;
  }
}

export const invalid = (code: string, message: string, field?: string) =>
  new DomainError('invalid', code, message, field === undefined ? {} : { field });
export const notFound = (code: string, message: string) => new DomainError('not_found', code, message);
export const conflict = (code: string, message: string) => new DomainError('conflict', code, message);
export const forbidden = (code: string, message: string) => new DomainError('forbidden', code, message);

const KINDS: readonly string[] = ['invalid', 'not_found', 'conflict', 'forbidden', 'unauthorized', 'unavailable'];

/**
 * Whether `error` is a `DomainError`, by its shape: a plugin loaded beside a bundled hub may carry
 * its own copy of the core, whose classes are not the hub's.
 */
export const isDomainError = (error: unknown): error is DomainError => {
  if (error instanceof DomainError) return true;
  if (!(error instanceof Error) || error.name !== 'DomainError') return false;
  return 'kind' in error && typeof error.kind === 'string' && KINDS.includes(error.kind) && 'code' in error && typeof error.code === 'string';
};
