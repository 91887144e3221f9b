import { LedgerQueries, Store } from '@switchboard/core';
import { ContainerModule } from 'inversify';

/** The ledger's reads: conversations and chain verification. */
export const ledgerModule = new ContainerModule(({ bind }) => {
  bind(LedgerQueries)
    .toDynamicValue((ctx) => new LedgerQueries(ctx.get<Store>(Store)))
    .inSingletonScope();
});
