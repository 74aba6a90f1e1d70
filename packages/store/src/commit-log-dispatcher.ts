import { type Logger } from '@rocketnest/common';
import {
  MessageSysFlag,
  readStoredRecordHead,
  takesQueueOffset,
  transactionType,
  type StoredRecordHead,
} from '@rocketnest/protocol';
import type { StoreCheckpoint } from './checkpoint.js';
import type { ScannedRecord } from './commit-log-scan.js';
import type { ConsumeQueueTable } from './consume-queue-table.js';
import { consumeQueueTagsCode, indexKeys } from './dispatch-keys.js';
import type { IndexFile } from './index-file.js';
import type { IndexService } from './index-service.js';
import type { MessageArrival } from './message-store.js';

/** What dispatch needs of a record appended or found by recovery (DispatchRequest). */
export interface DispatchRecord {
  topic: string;
  queueId: number;
  queueOffset: number;
  physicalOffset: number;
  size: number;
  sysFlag: number;
  storeTimestamp: number;
  properties: string;
}

/** What dispatch needs of the record whose head was read from buffer. */
export function dispatchRecord(
  buffer: Buffer,
  head: StoredRecordHead,
  physicalOffset: number,
  size: number,
): DispatchRecord {
  return {
    topic: head.topic,
    queueId: head.queueId,
    queueOffset: head.queueOffset,
    physicalOffset,
    size,
    sysFlag: head.sysFlag,
    storeTimestamp: head.storeTimestamp,
    properties: buffer.toString('utf8', head.propertiesAt, head.propertiesAt + head.propertiesLength),
  };
}

/** Where records go once they are in the CommitLog (CommitLogDispatcher). Repeats are ignored. */
export interface DispatchTarget {
  /** Does this target hold the record already? Recovery skips records every target holds. */
  holds(head: StoredRecordHead, physicalOffset: number, size: number): boolean;
  dispatch(record: DispatchRecord): void;
  /** The end of a round of dispatches. */
  roundEnd?(): void;
}

/**
 * The ConsumeQueues as a dispatch target (CommitLogDispatcherBuildConsumeQueue): one entry for
 * each record that takes a queue offset, and the arrivals of a round told to the listeners once
 * the round is dispatched.
 */
export class ConsumeQueueDispatch implements DispatchTarget {
  /** Arrivals of the round being dispatched. */
  private readonly arrivals: MessageArrival[] = [];
  readonly listeners: ((arrival: MessageArrival) => void)[] = [];

  constructor(
    private readonly queues: ConsumeQueueTable,
    private readonly delayLevels: readonly number[],
  ) {}

  holds(head: StoredRecordHead, physicalOffset: number, size: number): boolean {
    const queue = this.queues.find(head.topic, head.queueId);
    return queue !== undefined && physicalOffset + size <= queue.maxPhysicOffset;
  }

  dispatch(record: DispatchRecord): void {
    if (!takesQueueOffset(record.sysFlag)) return;
    const code = consumeQueueTagsCode(record.topic, record.properties, record.storeTimestamp, this.delayLevels);
    const queue = this.queues.forRecord(record.topic, record.queueId);
    if (!queue) return;
    queue.put(record.queueOffset, record.physicalOffset, record.size, code);
    if (this.listeners.length > 0) {
      this.arrivals.push({
        topic: record.topic,
        queueId: record.queueId,
        maxOffset: record.queueOffset + 1,
        tagsCode: code,
        storeTimestamp: record.storeTimestamp,
      });
    }
  }

  /**
   * Entries stay in their queues' buffers (readable there) until those fill or are flushed, so
   * that a round costs no write per queue; listeners now hear of the messages.
   */
  roundEnd(): void {
    const arrivals = this.arrivals.splice(0);
    for (const arrival of arrivals) for (const listener of this.listeners) listener(arrival);
  }
}

/**
 * The index as a dispatch target (CommitLogDispatcherBuildIndex): the keys and unique id of
 * every record but a rolled-back one. Index files that fill up are persisted on the pool; the
 * checkpoint's index time follows each.
 */
export class IndexDispatch implements DispatchTarget {
  /** Full index files whose persist() is under way. */
  private readonly persisting = new Set<Promise<void>>();

  constructor(
    readonly index: IndexService,
    /** The checkpoint, once the store has opened it. */
    private readonly checkpoint: () => StoreCheckpoint | undefined,
    private readonly logger: Logger,
  ) {}

  holds(_head: StoredRecordHead, physicalOffset: number): boolean {
    return this.index.covers(physicalOffset);
  }

  dispatch(record: DispatchRecord): void {
    if (transactionType(record.sysFlag) === MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) return;
    const closed = this.index.put(
      record.topic,
      record.physicalOffset,
      record.storeTimestamp,
      indexKeys(record.properties),
    );
    if (closed) this.persistFull(closed);
  }

  private persistFull(closed: IndexFile[]): void {
    for (const file of closed) {
      const persisting = file.persist().then(
        () => {
          const checkpoint = this.checkpoint();
          if (checkpoint)
            checkpoint.indexMsgTimestamp = Math.max(checkpoint.indexMsgTimestamp, file.header.endTimestamp);
        },
        (error: Error) => this.logger.error(`persisting full index file ${file.path} failed: ${error.message}`),
      );
      this.persisting.add(persisting);
      void persisting.finally(() => this.persisting.delete(persisting));
    }
  }

  /** Wait for the full files being persisted. */
  async settled(): Promise<void> {
    await Promise.all(this.persisting);
  }
}

/**
 * Follows the CommitLog (ReputMessageService): each record that reaches the page cache, or that
 * recovery finds, goes to every dispatch target in turn.
 */
export class CommitLogDispatcher {
  /** CommitLog offset up to which records are dispatched. */
  dispatchedOffset = 0;
  /** Store time of the newest record dispatched. */
  lastDispatchedTimestamp = 0;

  constructor(private readonly targets: readonly DispatchTarget[]) {}

  dispatch(record: DispatchRecord): void {
    for (const target of this.targets) target.dispatch(record);
    this.lastDispatchedTimestamp = Math.max(this.lastDispatchedTimestamp, record.storeTimestamp);
  }

  /**
   * Dispatch a record found by a recovery scan. Most of them are held by every target already:
   * those are recognised from the record's head, without decoding their properties, which keeps
   * recovery time close to the time it takes to read the log.
   */
  redispatch({ buffer, at, physicalOffset, size }: ScannedRecord): void {
    const head = readStoredRecordHead(buffer, at);
    if (this.heldByAll(head, physicalOffset, size)) {
      this.lastDispatchedTimestamp = Math.max(this.lastDispatchedTimestamp, head.storeTimestamp);
      return;
    }
    this.dispatch(dispatchRecord(buffer, head, physicalOffset, size));
  }

  private heldByAll(head: StoredRecordHead, physicalOffset: number, size: number): boolean {
    for (const target of this.targets) if (!target.holds(head, physicalOffset, size)) return false;
    return true;
  }

  /** End a round of dispatches: records up to offset are dispatched. */
  roundEnd(offset?: number): void {
    for (const target of this.targets) target.roundEnd?.();
    if (offset !== undefined) this.dispatchedOffset = offset;
  }
}
