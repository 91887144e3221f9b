import type { IngestPort, IngestResult, InboundMessage } from '@switchboard/core';

/** An IngestPort that records what it is handed and answers with `result` (or throws `failWith`). */
export class RecordingIngest implements IngestPort {
  readonly received: InboundMessage[] = [];
  failWith: Error | undefined;
  result: IngestResult = { interactionId: 'int_1', customerId: 'cust_1', conversationId: 'conv_1', duplicate: false };

  ingest(message: InboundMessage): Promise<IngestResult> {
    this.received.push(message);
    return this.failWith === undefined ? Promise.resolve(this.result) : Promise.reject(this.failWith);
  }
}
