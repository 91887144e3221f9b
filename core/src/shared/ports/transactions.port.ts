/** Advisory locks of a session: see the Store port for the order they are taken in. */
export interface SessionLocks {
  /**
   * Takes an exclusive lock on `key` held until the transaction ends (a no-op outside one).
   * The lock covers every later read and write of the session: a store may send it together with
   * the next statement rather than at once, so decide nothing before a read that follows it.
   */
  lock(key: string): Promise<void>;
  /** `lock` for many keys in one round trip; taken in sorted order, so two callers never deadlock on them. */
  lockAll(keys: readonly string[]): Promise<void>;
}

/**
 * Transactions over a session of type `S`. Each area declares the session it needs (its own
 * repositories plus those of the areas it builds on), and any `Store` is one of these.
 */
export interface Transactions<S> {
  /** Runs `work` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(work: (session: S & SessionLocks) => Promise<T>): Promise<T>;
  /** Runs reads without a transaction. */
  read<T>(work: (session: S) => Promise<T>): Promise<T>;
}
