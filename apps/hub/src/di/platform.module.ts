import { BlobStore, ChannelRegistry, Clock, CoreSettings, CrmRegistry, DeskRegistry, JobQueue, Logger, Store } from '@switchboard/core';
import { ContainerModule } from 'inversify';

export interface Platform {
  store: Store;
  queue: JobQueue;
  clock: Clock;
  logger: Logger;
  settings: CoreSettings;
  channels: ChannelRegistry;
  /** The desk plugin instances, for the desk jobs. */
  desks: DeskRegistry;
  /** The CRM plugin instances, for the CRM sync. */
  crms: CrmRegistry;
  /** Where attachments go, when a blob plugin is loaded. */
  blobs?: BlobStore;
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
    bind<DeskRegistry>(DeskRegistry).toConstantValue(platform.desks);
    bind<CrmRegistry>(CrmRegistry).toConstantValue(platform.crms);
    if (platform.blobs) bind<BlobStore>(BlobStore).toConstantValue(platform.blobs);
  });
