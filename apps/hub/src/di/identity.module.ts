import { CustomerQueries, Store } from '@switchboard/core';
import { ContainerModule } from 'inversify';

/** Customers, identities and their reads. */
export const identityModule = new ContainerModule(({ bind }) => {
  bind(CustomerQueries)
    .toDynamicValue((ctx) => new CustomerQueries(ctx.get<Store>(Store)))
    .inSingletonScope();
});
