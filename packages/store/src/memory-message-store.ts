import {
  createOffsetMessageId,
  MessageSysFlag,
  storedMessageLength,
  takesQueueOffset,
  transactionType,
  writeStoredMessage,
  type MessageToStore,
} from '@rocketnest/protocol';
import type { ConsumeQueueEntry } from './consume-queue.js';
import type {
  GetMessageResult,
  MessageArrival,
  MessageFilter,
  MessageStore,
  PutMessageResult,
  QueryMessageResult,
} from './message-store.js';
import { offsetByTime, readMessages, type TimeBoundary } from './queue-reader.js';
import { parseDelayLevels } from '@rocketnest/common';
import { defaultStoreConfig, type MessageStoreConfig } from './store-config.js';
import { consumeQueueTagsCode, indexKeys } from './dispatch-keys.js';
import { putProblem, putSizeProblem } from './put-rules.js';

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

interface StoredRecord {
  physicalOffset: number;
  bytes: Buffer;
  storeTimestamp: number;
}

interface MemoryQueue {
  /** Logical offset of entries[0]. */
  minOffset: number;
  entries: (ConsumeQueueEntry & { storeTimestamp: number })[];
}

/**
 * A store that keeps everything in memory, behind the same interface and with the same record
 * bytes as the file store: for tests, and for an embedded broker that needs no disk. Nothing
 * survives a restart. With maxMemoryBytes set, the oldest records go when the total passes it.
 */
export class MemoryMessageStore implements MessageStore {
  readonly config: MessageStoreConfig;
  private readonly records: StoredRecord[] = [];
  /** Index in records of the first record kept. */
  private firstRecord = 0;
  private nextPhysicalOffset = 0;
  private minPhysicalOffset = 0;
  private bytes = 0;
  private readonly queuesByTopic = new Map<string, Map<number, MemoryQueue>>();
  private readonly keyIndex = new Map<string, number[]>();
  private readonly listeners: ((arrival: MessageArrival) => void)[] = [];
  private readonly delayLevels: number[];
  private running = false;

  constructor(
    config: Partial<MessageStoreConfig> = {},
    private readonly maxMemoryBytes = Number.POSITIVE_INFINITY,
  ) {
    this.config = defaultStoreConfig(config);
    this.delayLevels = parseDelayLevels(this.config.messageDelayLevel);
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async shutdown(): Promise<void> {
    this.running = false;
  }

  putMessage(message: MessageToStore): Promise<PutMessageResult> {
    return this.putMessages([message]);
  }

  async putMessages(messages: readonly MessageToStore[]): Promise<PutMessageResult> {
    if (!this.running) return { status: 'SERVICE_NOT_AVAILABLE', error: 'the store is not running: start() it first' };
    const refused = putProblem(messages, this.config.maxMessageSize);
    if (refused) return refused;
    const lengths = messages.map(storedMessageLength);
    const tooLarge = putSizeProblem(lengths.length, sum(lengths), this.config.maxMessageSize);
    if (tooLarge) return tooLarge;
    const first = messages[0]!;
    const storeTimestamp = Date.now();
    const queue = this.queue(first.topic, first.queueId);
    const ids: string[] = [];
    const wroteOffset = this.nextPhysicalOffset;
    let firstQueueOffset = -1;
    let wroteBytes = 0;
    messages.forEach((message, i) => {
      const type = transactionType(message.sysFlag);
      const indexed = takesQueueOffset(message.sysFlag);
      const queueOffset = indexed ? queue.minOffset + queue.entries.length : 0;
      if (firstQueueOffset < 0) firstQueueOffset = queueOffset;
      const bytes = Buffer.alloc(lengths[i]!);
      const physicalOffset = this.nextPhysicalOffset;
      writeStoredMessage(message, { queueOffset, physicalOffset, storeTimestamp }, bytes, 0);
      this.records.push({ physicalOffset, bytes, storeTimestamp });
      this.nextPhysicalOffset += bytes.length;
      this.bytes += bytes.length;
      wroteBytes += bytes.length;
      ids.push(createOffsetMessageId(message.storeHost, physicalOffset));
      if (indexed) {
        const code = consumeQueueTagsCode(message.topic, message.properties, storeTimestamp, this.delayLevels);
        queue.entries.push({ commitLogOffset: physicalOffset, size: bytes.length, tagsCode: code, storeTimestamp });
        const arrival = {
          topic: message.topic,
          queueId: message.queueId,
          maxOffset: queueOffset + 1,
          tagsCode: code,
          storeTimestamp,
        };
        for (const listener of this.listeners) listener(arrival);
      }
      if (type !== MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) this.indexKeys(message, physicalOffset);
    });
    this.evict();
    return {
      status: 'PUT_OK',
      appendResult: {
        wroteOffset,
        wroteBytes,
        msgId: ids.join(','),
        queueOffset: firstQueueOffset,
        storeTimestamp,
        msgNum: messages.length,
      },
    };
  }

  private indexKeys(message: MessageToStore, physicalOffset: number): void {
    for (const key of indexKeys(message.properties)) {
      const indexKey = `${message.topic}#${key}`;
      const offsets = this.keyIndex.get(indexKey);
      if (offsets) offsets.push(physicalOffset);
      else this.keyIndex.set(indexKey, [physicalOffset]);
    }
  }

  /** Drop the oldest records past maxMemoryBytes, moving queue starts after them. */
  private evict(): void {
    while (this.bytes > this.maxMemoryBytes && this.firstRecord < this.records.length - 1) {
      const record = this.records[this.firstRecord]!;
      this.records[this.firstRecord++] = undefined as unknown as StoredRecord;
      this.bytes -= record.bytes.length;
      this.minPhysicalOffset = record.physicalOffset + record.bytes.length;
    }
    if (this.firstRecord > 1024 && this.firstRecord * 2 > this.records.length) {
      this.records.splice(0, this.firstRecord);
      this.firstRecord = 0;
    }
    for (const byId of this.queuesByTopic.values()) {
      for (const queue of byId.values()) {
        let drop = 0;
        while (drop < queue.entries.length && queue.entries[drop]!.commitLogOffset < this.minPhysicalOffset) drop++;
        if (drop > 0) {
          queue.entries.splice(0, drop);
          queue.minOffset += drop;
        }
      }
    }
  }

  private queue(topic: string, queueId: number): MemoryQueue {
    let byId = this.queuesByTopic.get(topic);
    if (!byId) this.queuesByTopic.set(topic, (byId = new Map()));
    let queue = byId.get(queueId);
    if (!queue) byId.set(queueId, (queue = { minOffset: 0, entries: [] }));
    return queue;
  }

  private record(physicalOffset: number): StoredRecord | undefined {
    let low = this.firstRecord;
    let high = this.records.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const record = this.records[mid]!;
      if (record.physicalOffset === physicalOffset) return record;
      if (record.physicalOffset < physicalOffset) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
  }

  getMessage(
    topic: string,
    queueId: number,
    offset: number,
    maxMsgNums: number,
    filter?: MessageFilter,
  ): GetMessageResult {
    const queue = this.queuesByTopic.get(topic)?.get(queueId);
    return readMessages(
      queue && {
        minOffset: queue.minOffset,
        maxOffset: queue.minOffset + queue.entries.length,
        minPhysicalOffset: this.minPhysicalOffset,
        entries: (from, count) => queue.entries.slice(from - queue.minOffset, from - queue.minOffset + count),
        readRecords: (run, target, position) => {
          let copied = 0;
          for (const entry of run) {
            const record = this.record(entry.commitLogOffset);
            if (!record || record.bytes.length !== entry.size) break;
            position += record.bytes.copy(target, position);
            copied++;
          }
          return copied;
        },
      },
      offset,
      {
        maxMsgNums,
        maxBytes: this.config.maxTransferBytesOnMessageInMemory,
        maxCount: this.config.maxTransferCountOnMessageInMemory,
      },
      filter,
    );
  }

  getMaxOffsetInQueue(topic: string, queueId: number): number {
    const queue = this.queuesByTopic.get(topic)?.get(queueId);
    return queue ? queue.minOffset + queue.entries.length : 0;
  }

  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.queuesByTopic.get(topic)?.get(queueId)?.minOffset ?? 0;
  }

  consumeQueueEntries(topic: string, queueId: number, offset: number, count: number): ConsumeQueueEntry[] {
    const queue = this.queuesByTopic.get(topic)?.get(queueId);
    if (!queue) return [];
    const from = Math.max(offset, queue.minOffset) - queue.minOffset;
    return queue.entries
      .slice(from, from + count)
      .map(({ commitLogOffset, size, tagsCode }) => ({ commitLogOffset, size, tagsCode }));
  }

  getMessageStoreTimestamp(topic: string, queueId: number, offset: number): number {
    const queue = this.queuesByTopic.get(topic)?.get(queueId);
    return queue?.entries[offset - queue.minOffset]?.storeTimestamp ?? -1;
  }

  getEarliestMessageTime(topic: string, queueId: number): number {
    return this.getMessageStoreTimestamp(topic, queueId, this.getMinOffsetInQueue(topic, queueId));
  }

  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number, boundary?: TimeBoundary): number {
    return offsetByTime(
      this.getMinOffsetInQueue(topic, queueId),
      this.getMaxOffsetInQueue(topic, queueId),
      timestamp,
      (offset) => this.getMessageStoreTimestamp(topic, queueId, offset),
      boundary,
    );
  }

  lookMessageByOffset(physicalOffset: number): Buffer | undefined {
    return this.record(physicalOffset)?.bytes;
  }

  queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): QueryMessageResult {
    const messages = (this.keyIndex.get(`${topic}#${key}`) ?? [])
      .map((offset) => this.record(offset))
      .filter(
        (record): record is StoredRecord =>
          record !== undefined && record.storeTimestamp >= begin && record.storeTimestamp <= end,
      )
      .slice(-Math.min(maxNum, 64))
      .map((record) => record.bytes);
    const last = this.records.at(-1);
    return {
      messages,
      indexLastUpdateTimestamp: last?.storeTimestamp ?? 0,
      indexLastUpdatePhyoffset: last?.physicalOffset ?? 0,
    };
  }

  getMinPhyOffset(): number {
    return this.minPhysicalOffset;
  }

  getMaxPhyOffset(): number {
    return this.nextPhysicalOffset;
  }

  readonly flushBehindBytes = 0;

  /** Never: every message here is in memory. */
  checkInDiskByConsumeOffset(): boolean {
    return false;
  }

  deleteTopics(topics: readonly string[]): void {
    for (const topic of topics) this.queuesByTopic.delete(topic);
  }

  queues(): Map<string, number[]> {
    return new Map([...this.queuesByTopic].map(([topic, byId]) => [topic, [...byId.keys()].sort((a, b) => a - b)]));
  }

  onMessageArrival(listener: (arrival: MessageArrival) => void): void {
    this.listeners.push(listener);
  }
}
