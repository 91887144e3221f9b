export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  description?: string;
}

export class WaitTimeoutError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WaitTimeoutError';
  }
}

/** Thrown from a waitFor callback to stop waiting at once: the condition can never come true. */
export class GiveUp extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GiveUp';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const describe = (value: unknown): string => {
  if (value instanceof Error) return value.message;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.slice(0, 500);
  } catch {
    return String(value);
  }
};

/**
 * Calls `fn` until it returns something other than `undefined`, `null` or `false`, and returns that.
 * An exception counts as "not yet"; the last one (or the last value) is named in the timeout error.
 */
export const waitFor = async <T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: WaitOptions,
): Promise<T> => {
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown = undefined;
  let threw = false;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) return value;
      last = value;
      threw = false;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      last = error;
      threw = true;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
  const what = options.description ?? 'condition';
  const detail = threw ? `last error: ${describe(last)}` : `last value: ${describe(last)}`;
  throw new WaitTimeoutError(`timed out after ${options.timeoutMs} ms waiting for ${what} (${detail})`, threw ? { cause: last } : undefined);
};

export { sleep };
