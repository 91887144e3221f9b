import type { InMemoryStore } from './in-memory-store.js';

/**
 * The store with a slow lock: taking a lock whose key starts with `prefix` lets `seconds` pass,
 * as waiting for another worker's transaction does (once for a `lockAll` that takes any such key). The in-memory store runs transactions one at a
 * time, so the wait is the clock's only.
 */
export const slowLocks = (store: InMemoryStore, clock: { advance(seconds: number): void }, prefix: string, seconds: number): InMemoryStore =>
  new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'transaction') return Reflect.get(target, property, receiver);
      return <T>(work: Parameters<InMemoryStore['transaction']>[0]): Promise<T> =>
        target.transaction((session) => {
          const lock = session.lock.bind(session);
          const lockAll = session.lockAll.bind(session);
          const slowed = new Proxy(session, {
            get: (s, p, r) =>
              p === 'lock'
                ? async (key: string) => {
                    if (key.startsWith(prefix)) clock.advance(seconds);
                    await lock(key);
                  }
                : p === 'lockAll'
                  ? async (keys: readonly string[]) => {
                      if (keys.some((key) => key.startsWith(prefix))) clock.advance(seconds);
                      await lockAll(keys);
                    }
                  : Reflect.get(s, p, r),
          });
          return work(slowed) as Promise<T>;
        });
    },
  });
