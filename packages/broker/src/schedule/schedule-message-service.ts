import { join } from 'node:path';
import { decodeStoredMessages, MessageConst, SystemTopic } from '@rocketnest/protocol';
import { parseDelayLevels } from '@rocketnest/common';
import type { MessageArrival } from '@rocketnest/store';
import type { BrokerContext } from '../broker-context.js';
import { ConfigFile } from '../config-file.js';
import { deliverHeld } from './held-message.js';

interface DelayOffsetFile {
  offsetTable: Record<string, number>;
}

import { RETRY_AFTER_FAILURE_MS } from './held-message.js';

/**
 * ScheduleMessageService: delivers the messages waiting in SCHEDULE_TOPIC_XXXX. Each delay level
 * has its own queue (id = level - 1) in which messages are in due order, so each level only
 * watches its head: a timer fires exactly when the head is due (RocketMQ polls every 100 ms),
 * and an arrival wakes an idle level. How far each level got is kept in config/delayOffset.json
 * ({"offsetTable":{level:offset}}, RocketMQ's file), written every flushDelayOffsetInterval and
 * on shutdown, so a restart neither loses nor repeats a delivery.
 */
export class ScheduleMessageService {
  private readonly delays: number[];
  private readonly offsets = new Map<number, number>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly busy = new Set<number>();
  private readonly again = new Set<number>();
  private readonly file: ConfigFile<DelayOffsetFile>;
  private running = false;
  private dirty = false;

  constructor(private readonly broker: BrokerContext) {
    this.delays = parseDelayLevels(broker.storeConfig.messageDelayLevel);
    this.file = new ConfigFile(
      join(broker.storeConfig.storePathRootDir, 'config', 'delayOffset.json'),
      'the delay level offsets',
    );
  }

  /** Delay levels configured (messageDelayLevel). */
  get levelCount(): number {
    return this.delays.length;
  }

  start(): void {
    for (const [level, offset] of Object.entries(this.file.load()?.offsetTable ?? {})) {
      this.offsets.set(Number(level), Number(offset));
    }
    this.running = true;
    for (let level = 1; level <= this.delays.length; level++) void this.wake(level);
  }

  /** The offset table as RocketMQ serves it (GET_ALL_DELAY_OFFSET). */
  table(): DelayOffsetFile {
    return { offsetTable: Object.fromEntries([...this.offsets].map(([level, offset]) => [String(level), offset])) };
  }

  /** Take a master's table in place of this one (SlaveSynchronize on a slave, where nothing is delivered). */
  replaceTable(table: DelayOffsetFile): void {
    this.offsets.clear();
    for (const [level, offset] of Object.entries(table.offsetTable ?? {})) {
      const value = Number(offset);
      if (Number.isInteger(Number(level)) && Number.isFinite(value)) this.offsets.set(Number(level), value);
    }
    this.persist(true);
  }

  messageArrived(arrival: MessageArrival): void {
    if (arrival.topic !== SystemTopic.SCHEDULE || !this.running) return;
    const level = arrival.queueId + 1;
    if (this.busy.has(level)) this.again.add(level);
    else if (!this.timers.has(level)) void this.wake(level);
  }

  persist(force = false): void {
    if (!this.dirty && !force) return;
    this.dirty = false;
    this.file.persist(this.table());
  }

  shutdown(): void {
    this.running = false;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.persist(true);
  }

  private async wake(level: number): Promise<void> {
    if (this.busy.has(level) || level > this.delays.length) return;
    clearTimeout(this.timers.get(level));
    this.timers.delete(level);
    this.busy.add(level);
    try {
      do {
        this.again.delete(level);
        await this.deliverDue(level);
      } while (this.again.has(level) && !this.timers.has(level) && this.running);
    } catch (error) {
      this.broker.logger.error(`delay level ${level}: ${(error as Error).message}`);
      this.later(level, RETRY_AFTER_FAILURE_MS);
    } finally {
      this.busy.delete(level);
    }
  }

  private later(level: number, ms: number): void {
    if (!this.running) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(level);
        void this.wake(level);
      },
      Math.min(ms, 2 ** 31 - 1),
    );
    timer.unref();
    this.timers.set(level, timer);
  }

  /** Deliver the level's due messages in order; then wait for the next one to fall due. */
  private async deliverDue(level: number): Promise<void> {
    const { store } = this.broker;
    const queueId = level - 1;
    const delay = this.delays[level - 1]!;
    for (;;) {
      if (!this.running) return;
      const min = store.getMinOffsetInQueue(SystemTopic.SCHEDULE, queueId);
      const max = store.getMaxOffsetInQueue(SystemTopic.SCHEDULE, queueId);
      // Outside the queue (files deleted, or the store replaced): start from its nearest end.
      const offset = Math.min(Math.max(this.offsets.get(level) ?? 0, min), max);
      this.advance(level, offset);
      if (offset >= max) return;
      const result = store.getMessage(SystemTopic.SCHEDULE, queueId, offset, 32);
      if (result.status !== 'FOUND') {
        if (result.nextBeginOffset > offset) this.advance(level, result.nextBeginOffset);
        else return this.later(level, RETRY_AFTER_FAILURE_MS);
        continue;
      }
      for (const record of decodeStoredMessages(result.body)) {
        const now = Date.now();
        let due = record.storeTimestamp + delay;
        // Due further ahead than the delay itself: the clock went back; deliver now.
        if (due > now + delay) due = now;
        if (due > now) return this.later(level, due - now);
        if (!(await deliverHeld(this.broker, record, { [MessageConst.DELAY]: undefined }))) {
          return this.later(level, RETRY_AFTER_FAILURE_MS);
        }
        this.advance(level, record.queueOffset + 1);
      }
    }
  }

  private advance(level: number, offset: number): void {
    if (this.offsets.get(level) === offset) return;
    this.offsets.set(level, offset);
    this.dirty = true;
  }
}
