import { queueBullmqPlugin } from './queue-bullmq.plugin.js';

export { BullmqJobQueue, type BullmqJobQueueOptions } from './bullmq-job-queue.js';
export { queueBullmqConfigSchema } from './queue-bullmq.plugin.js';
export default queueBullmqPlugin;
