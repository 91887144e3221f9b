import { Clock, CoreSettings, DeskActions, IngestInbound, ReadModels, Store } from '@switchboard/core';
import { ContainerModule } from 'inversify';

/** Ingest, desk actions and reads; `observeBatch` sees the size of every ingest transaction. */
export const ledgerModule = (observeBatch: (size: number) => void) =>
  new ContainerModule(({ bind }) => {
    bind(IngestInbound)
      .toDynamicValue((ctx) => new IngestInbound(ctx.get<Store>(Store), ctx.get<Clock>(Clock), ctx.get<CoreSettings>(CoreSettings), observeBatch))
      .inSingletonScope();
    bind(DeskActions)
      .toDynamicValue((ctx) => new DeskActions(ctx.get<Store>(Store), ctx.get<Clock>(Clock)))
      .inSingletonScope();
    bind(ReadModels)
      .toDynamicValue((ctx) => new ReadModels(ctx.get<Store>(Store), ctx.get<Clock>(Clock)))
      .inSingletonScope();
  });
