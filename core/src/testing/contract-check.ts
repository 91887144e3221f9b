import { describe, it } from 'vitest';

/** One named check of a port contract, run against a fresh subject. */
export interface ContractCheck<Subject> {
  name: string;
  run(subject: Subject): Promise<void>;
}

export interface Disposable {
  /** Tears the subject down (stops it, drops its data); called after every check. */
  dispose(): Promise<void>;
}

const TEST_MS = 60_000;

/** Registers one vitest test per check, each on a subject of its own. */
export const describeContract = <Subject extends Disposable>(title: string, checks: readonly ContractCheck<Subject>[], make: () => Promise<Subject>): void => {
  describe(title, () => {
    for (const check of checks) {
      it(check.name, { timeout: TEST_MS }, async () => {
        const subject = await make();
        try {
          await check.run(subject);
        } finally {
          await subject.dispose();
        }
      });
    }
  });
};

/**
 * Runs the checks outside vitest's registry and answers the names of those that failed: how a test
 * proves a contract catches a broken adapter.
 */
export const failingChecks = async <Subject extends Disposable>(checks: readonly ContractCheck<Subject>[], make: () => Promise<Subject>): Promise<string[]> => {
  const failed: string[] = [];
  for (const check of checks) {
    const subject = await make();
    try {
      await check.run(subject);
    } catch {
      failed.push(check.name);
    } finally {
      await subject.dispose();
    }
  }
  return failed;
};
