import { CoreSettings, CustomerQueries, Store } from '@switchboard/core';
import { ContainerModule } from 'inversify';

/** Customers, identities and their reads. */
export const identityModule = new ContainerModule(({ bind }) => {
  bind(CustomerQueries)
    .toDynamicValue((ctx) => new CustomerQueries(ctx.get<Store>(Store), { defaultRegion: ctx.get<CoreSettings>(CoreSettings).identity.defaultRegion }))
    .inSingletonScope();
});
