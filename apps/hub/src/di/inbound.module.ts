import { Clock, CoreSettings, IngestInbound, Store } from '@switchboard/core';
import { ContainerModule } from 'inversify';

/** Ingest: message → customer → entry → work item. `observeBatch` sees the size of every ingest transaction. */
export const inboundModule = (observeBatch: (size: number) => void) =>
  new ContainerModule(({ bind }) => {
    bind(IngestInbound)
      .toDynamicValue((ctx) => new IngestInbound(ctx.get<Store>(Store), ctx.get<Clock>(Clock), ctx.get<CoreSettings>(CoreSettings), observeBatch))
      .inSingletonScope();
  });
