import { queueLocalPlugin } from './queue-local.plugin.js';

export { LocalJobQueue, type LocalJobQueueOptions } from './local-job-queue.js';
export { queueLocalConfigSchema } from './queue-local.plugin.js';
export default queueLocalPlugin;
