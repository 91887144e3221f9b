import { ChannelRegistry, Clock, CoreSettings, JobQueue, Logger, Store } from '@switchboard/core';
import { ContainerModule } from 'inversify';

export interface Platform {
  store: Store;
  queue: JobQueue;
  clock: Clock;
  logger: Logger;
  settings: CoreSettings;
  channels: ChannelRegistry;
}

/** The driven ports, as the plugins and configuration provide them. */
export const platformModule = (platform: Platform) =>
  new ContainerModule(({ bind }) => {
    bind<Store>(Store).toConstantValue(platform.store);
    bind<JobQueue>(JobQueue).toConstantValue(platform.queue);
    bind<Clock>(Clock).toConstantValue(platform.clock);
    bind<Logger>(Logger).toConstantValue(platform.logger);
    bind<CoreSettings>(CoreSettings).toConstantValue(platform.settings);
    bind<ChannelRegistry>(ChannelRegistry).toConstantValue(platform.channels);
  });
