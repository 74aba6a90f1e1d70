import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumeMessageService, ConsumeParts, OwnedQueue } from './consume-message-service.js';
import type { ReceivedMessage } from './received-message.js';

/**
 * Concurrent consumption (ConsumeMessageConcurrentlyService): pulled messages go to the listener
 * in batches, as many at once as the listener calls allow. A failed batch goes back to its broker
 * (clustering), which redelivers it on the group's retry topic after a back-off and dead-letters
 * it after maxReconsumeTimes; what a broker cannot take, or everything in broadcasting, is given
 * to the listener again here after retryDelayMs. A queue's offset moves past a batch once it is done.
 */
export class ConsumeConcurrentlyService implements ConsumeMessageService {
  constructor(
    private readonly parts: ConsumeParts,
    private readonly settings: {
      readonly clustering: boolean;
      readonly batchSize: number;
      readonly retryDelayMs: number;
      readonly running: () => boolean;
    },
  ) {}

  start(): void {}

  dispatch(owned: OwnedQueue, messages: ReceivedMessage[]): void {
    const { batchSize } = this.settings;
    for (let i = 0; i < messages.length; i += batchSize) {
      this.parts.calls.track(this.consume(owned, messages.slice(i, i + batchSize)));
    }
  }

  acquireQueue(): Promise<boolean> {
    return Promise.resolve(true);
  }

  lockedAt(): undefined {
    return undefined;
  }

  released(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  private async consume(owned: OwnedQueue, messages: ReceivedMessage[]): Promise<void> {
    const { clustering, retryDelayMs, running } = this.settings;
    let batch = messages;
    for (;;) {
      const context = this.parts.calls.context(owned.queue);
      if (await this.parts.calls.call(batch, context)) break;
      if (owned.process.dropped || !running()) return;
      // Back to the broker, which redelivers after a back-off; what it cannot take is retried here.
      if (clustering) {
        batch =
          context.retryAfterMs !== undefined && context.delayLevelWhenNextConsume >= 0
            ? await this.parts.returns.retryAfter(batch, context.retryAfterMs)
            : await this.parts.returns.sendBack(batch, context.delayLevelWhenNextConsume);
      }
      if (batch.length === 0) break;
      for (const message of batch) message.reconsumeTimes++;
      await sleep(retryDelayMs);
      if (owned.process.dropped || !running()) return;
    }
    const offset = owned.process.remove(messages);
    if (offset >= 0 && !owned.process.dropped) this.parts.offsets.update(owned.queue, offset);
  }
}
