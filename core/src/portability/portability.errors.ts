import { DomainError } from '../shared/domain-error.js';

export const portabilityErrors = {
  /** A line of an export file that is not what the format says; `line` counts from 1. */
  malformed: (line: number, message: string) =>
    new DomainError('invalid', 'PORTABILITY.MALFORMED_EXPORT', `line ${line}: ${message}`, { details: { line } }),
  truncated: (lines: number) =>
    new DomainError(
      'invalid',
      'PORTABILITY.TRUNCATED_EXPORT',
      lines === 0 ? 'the file is empty: an export starts with its header line' : `the file ends after line ${lines} without its trailer: it is incomplete (cut off while written or copied)`,
      { details: { line: lines } },
    ),
  notEmpty: (holds: string) =>
    new DomainError('conflict', 'PORTABILITY.HUB_NOT_EMPTY', `the hub already holds data (${holds}); an export is restored into an empty hub only: point the import at a fresh database`),
  writeFailed: (line: number, committed: number, cause: unknown) =>
    new DomainError(
      'unavailable',
      'PORTABILITY.WRITE_FAILED',
      `writing the records up to line ${line} failed (${cause instanceof Error ? cause.message : String(cause)}); ${committed} records before them are committed: the hub holds a partial import, restore into a fresh database again`,
      { details: { line, committed }, cause },
    ),
};
