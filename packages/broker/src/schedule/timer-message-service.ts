import { join } from 'node:path';
import { decodeStoredMessages, MessageConst, propertyValue, SystemTopic } from '@rocketnest/protocol';
import type { MessageArrival } from '@rocketnest/store';
import type { BrokerContext } from '../broker-context.js';
import { ConfigFile } from '../config-file.js';
import { deliverHeld, RETRY_AFTER_FAILURE_MS } from './held-message.js';
import { MinHeap } from './min-heap.js';

interface TimerProgressFile {
  /** Every timer message below this queue offset is delivered. */
  deliveredBelow: number;
  /** Queue offsets at or above it delivered already. */
  delivered: number[];
}

interface PendingTimer {
  due: number;
  queueOffset: number;
}

/**
 * Delivery to the millisecond (beyond RocketMQ 4; RocketMQ 5's TIMER_DELIVER_MS with its 1 s
 * wheel made exact): timer messages wait in the timer topic's one queue in the order they were
 * sent, not the order they fall due, so the due time and queue offset of each one not yet
 * delivered are kept in a min-heap (about 40 bytes each; the message itself stays in the store),
 * rebuilt at start from the queue, and one timer fires when the earliest falls due. Progress
 * (config/timerProgress.json) is a low-water mark plus the offsets delivered above it.
 */
export class TimerMessageService {
  private readonly pending = new MinHeap<PendingTimer>((timer) => timer.due);
  private readonly delivered = new Set<number>();
  private deliveredBelow = 0;
  /** The next queue offset to read into the heap. */
  private scanned = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private running = false;
  private dirty = false;
  private readonly file: ConfigFile<TimerProgressFile>;

  constructor(private readonly broker: BrokerContext) {
    this.file = new ConfigFile(
      join(broker.storeConfig.storePathRootDir, 'config', 'timerProgress.json'),
      'the timer message progress',
    );
  }

  start(): void {
    const stored = this.file.load();
    this.deliveredBelow = Math.max(
      stored?.deliveredBelow ?? 0,
      this.broker.store.getMinOffsetInQueue(SystemTopic.TIMER, 0),
    );
    for (const offset of stored?.delivered ?? []) if (offset >= this.deliveredBelow) this.delivered.add(offset);
    this.scanned = this.deliveredBelow;
    this.running = true;
    this.scan();
    this.arm();
  }

  /** Timer messages waiting. */
  get waiting(): number {
    return this.pending.size;
  }

  messageArrived(arrival: MessageArrival): void {
    if (arrival.topic !== SystemTopic.TIMER || !this.running) return;
    this.scan();
    this.arm();
  }

  persist(force = false): void {
    if (!this.dirty && !force) return;
    this.dirty = false;
    this.file.persist({ deliveredBelow: this.deliveredBelow, delivered: [...this.delivered] });
  }

  shutdown(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.persist(true);
  }

  /** Read timer messages stored since the last scan into the heap. */
  private scan(): void {
    const { store } = this.broker;
    for (;;) {
      const max = store.getMaxOffsetInQueue(SystemTopic.TIMER, 0);
      if (this.scanned >= max) return;
      const result = store.getMessage(SystemTopic.TIMER, 0, this.scanned, 256);
      if (result.nextBeginOffset <= this.scanned) return;
      for (const record of decodeStoredMessages(result.body)) {
        if (this.delivered.has(record.queueOffset)) continue;
        const due = Number(propertyValue(record.properties, MessageConst.TIMER_DELIVER_MS) ?? 0);
        this.pending.push({ due, queueOffset: record.queueOffset });
      }
      this.scanned = result.nextBeginOffset;
    }
  }

  private arm(delayMs?: number): void {
    if (this.busy || !this.running) return;
    clearTimeout(this.timer);
    const next = this.pending.peek();
    if (!next) return;
    const wait = delayMs ?? Math.max(0, next.due - Date.now());
    this.timer = setTimeout(() => void this.deliverDue(), Math.min(wait, 2 ** 31 - 1));
    this.timer.unref();
  }

  private async deliverDue(): Promise<void> {
    this.busy = true;
    let retryIn: number | undefined;
    try {
      for (let next = this.pending.peek(); next && next.due <= Date.now() && this.running; next = this.pending.peek()) {
        const result = this.broker.store.getMessage(SystemTopic.TIMER, 0, next.queueOffset, 1);
        const [record] = result.status === 'FOUND' ? decodeStoredMessages(result.body) : [];
        if (record && record.queueOffset === next.queueOffset) {
          // The due time stays as RocketMQ 5's TIMER_OUT_MS: v5 clients read it as the delivery timestamp.
          const due = propertyValue(record.properties, MessageConst.TIMER_DELIVER_MS);
          const changes = { [MessageConst.TIMER_DELIVER_MS]: undefined, [MessageConst.TIMER_OUT_MS]: due };
          if (!(await deliverHeld(this.broker, record, changes))) {
            retryIn = RETRY_AFTER_FAILURE_MS;
            break;
          }
        } else {
          this.broker.logger.warn(`timer message at queue offset ${next.queueOffset} is gone from the store: skipped`);
        }
        this.pending.pop();
        this.markDelivered(next.queueOffset);
      }
    } catch (error) {
      this.broker.logger.error(`timer messages: ${(error as Error).message}`);
      retryIn = RETRY_AFTER_FAILURE_MS;
    } finally {
      this.busy = false;
    }
    this.arm(retryIn);
  }

  private markDelivered(queueOffset: number): void {
    this.delivered.add(queueOffset);
    while (this.delivered.delete(this.deliveredBelow)) this.deliveredBelow++;
    this.dirty = true;
  }
}
