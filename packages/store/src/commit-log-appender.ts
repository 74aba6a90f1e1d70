import {
  createOffsetMessageId,
  getInt32,
  MessageConst,
  propertyValue,
  storedMessageLength,
  StoredMessagePosition,
  takesQueueOffset,
  writeStoredMessage,
  type MessageToStore,
} from '@rocketnest/protocol';
import type { Logger } from '@rocketnest/common';
import type { CommitLog } from './commit-log.js';
import type { CommitLogDispatcher, DispatchRecord } from './commit-log-dispatcher.js';
import type { ConsumeQueueTable } from './consume-queue-table.js';
import type { FlushService } from './flush-service.js';
import type { PutMessageResult } from './message-store.js';
import { illegal, putSizeProblem } from './put-rules.js';
import type { MessageStoreConfig } from './store-config.js';

/** What a replicated append resolves with: nothing is answered to a client. */
const REPLICATED: PutMessageResult = { status: 'PUT_OK' };

/** Unwritten bytes at which a round that writes on the pool starts writing before it ends. */
const EARLY_WRITE_BYTES = 64 * 1024;

interface PendingPut {
  records: DispatchRecord[];
  /** CommitLog offset after its bytes. */
  end: number;
  /**
   * Where its whole records end: end, but for replicated bytes that stop inside a record, the
   * start of that record. Dispatch, flush and the checkpoint's safe offset stop there.
   */
  recordsEnd: number;
  resolve(result: PutMessageResult): void;
  /** Answered only after its fsync (SYNC_FLUSH and not WAIT=false). */
  wait: boolean;
  result: PutMessageResult;
}

/**
 * Appends to the CommitLog (RocketMQ's CommitLog.asyncPutMessage): records are encoded into
 * the CommitLog's slab, each taking the next queue offset of its queue. Appends made in one turn
 * of the event loop form a round, written to the page cache in one write (a large round starts
 * writing early, on a thread of the pool, while this thread encodes the next). Once written,
 * records are dispatched and only then are the puts answered: at once, or after an fsync that
 * covers them when they wait for one (SYNC_FLUSH).
 */
export class CommitLogAppender {
  /** Puts whose records are encoded but not yet in the page cache, in CommitLog order. */
  private readonly unwritten: PendingPut[] = [];
  private roundEnding = false;

  constructor(
    private readonly commitLog: CommitLog,
    private readonly queues: ConsumeQueueTable,
    private readonly dispatcher: CommitLogDispatcher,
    private readonly flush: FlushService,
    private readonly config: MessageStoreConfig,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  /** Append messages that passed the put checks; answered once written (and flushed, when the put waits). */
  append(messages: readonly MessageToStore[]): Promise<PutMessageResult> {
    const count = messages.length;
    const lengths: number[] = new Array(count);
    let total = 0;
    for (let i = 0; i < count; i++) total += lengths[i] = storedMessageLength(messages[i]!);
    if (total + 8 > this.config.mappedFileSizeCommitLog) {
      return Promise.resolve(
        illegal(
          `${total} bytes of records do not fit a CommitLog segment of ${this.config.mappedFileSizeCommitLog} bytes; raise mappedFileSizeCommitLog`,
        ),
      );
    }
    const tooLarge = putSizeProblem(count, total, this.config.maxMessageSize);
    if (tooLarge) return Promise.resolve(tooLarge);
    const reserved = this.commitLog.reserve(total);
    const storeTimestamp = this.now();
    const { topic, queueId } = messages[0]!;
    let nextQueueOffset = this.queues.nextOffset(topic, queueId);
    const records: DispatchRecord[] = new Array(count);
    let msgId = '';
    let physicalOffset = reserved.physicalOffset;
    let at = reserved.at;
    try {
      for (let i = 0; i < count; i++) {
        const message = messages[i]!;
        const length = lengths[i]!;
        const queueOffset = takesQueueOffset(message.sysFlag) ? nextQueueOffset++ : 0;
        writeStoredMessage(message, { queueOffset, physicalOffset, storeTimestamp }, reserved.buffer, at, length);
        records[i] = {
          topic,
          queueId,
          queueOffset,
          physicalOffset,
          size: length,
          // As written: with the host-family bits of its hosts.
          sysFlag: getInt32(reserved.buffer, at + StoredMessagePosition.SYS_FLAG),
          storeTimestamp,
          properties: message.properties,
        };
        const id = createOffsetMessageId(message.storeHost, physicalOffset);
        msgId = i === 0 ? id : `${msgId},${id}`;
        physicalOffset += length;
        at += length;
      }
    } catch (error) {
      this.commitLog.unreserve(total);
      return Promise.resolve(illegal(`message cannot be encoded: ${(error as Error).message}`));
    }
    this.queues.setNextOffset(topic, queueId, nextQueueOffset);
    const result: PutMessageResult = {
      status: 'PUT_OK',
      appendResult: {
        wroteOffset: reserved.physicalOffset,
        wroteBytes: total,
        msgId,
        queueOffset: records[0]!.queueOffset,
        storeTimestamp,
        msgNum: count,
      },
    };
    // Only SYNC_FLUSH answers a put after its fsync, unless the message says not to wait.
    const wait =
      this.config.flushDiskType === 'SYNC_FLUSH' &&
      propertyValue(messages[0]!.properties, MessageConst.WAIT) !== 'false';
    // A large round starts writing before it ends, so that the pool writes while this thread
    // encodes. Written on this thread, a round waits for its end: a write here answers puts at
    // once, and puts made in answer would write again, never letting the event loop turn (and
    // the flush and checkpoint timers run).
    if (this.commitLog.unwrittenBytes >= EARLY_WRITE_BYTES && this.commitLog.writesOnPool) this.commitLog.write();
    return new Promise((resolve) => {
      this.endRoundSoon();
      this.unwritten.push({ records, end: physicalOffset, recordsEnd: physicalOffset, resolve, wait, result });
    });
  }

  /**
   * Append bytes a master wrote at the same offset (replication). The records they complete are
   * dispatched once the bytes are written, as a put's are; resolved then, rejected when the write
   * fails (a full disk).
   */
  appendReplica(data: Buffer, records: DispatchRecord[], recordsEnd: number): Promise<void> {
    this.commitLog.appendRaw(data);
    for (const { topic, queueId, queueOffset, sysFlag } of records) {
      if (takesQueueOffset(sysFlag)) this.queues.setNextOffset(topic, queueId, queueOffset + 1);
    }
    const end = this.commitLog.maxOffset;
    return new Promise((resolve, reject) => {
      this.endRoundSoon();
      const settle = (result: PutMessageResult) =>
        result.status === 'PUT_OK' ? resolve() : reject(new Error(result.error ?? result.status));
      this.unwritten.push({ records, end, recordsEnd, resolve: settle, wait: false, result: REPLICATED });
    });
  }

  private endRoundSoon(): void {
    if (this.roundEnding) return;
    this.roundEnding = true;
    setImmediate(this.endRound);
  }

  /** End a round: what its puts appended goes to the page cache in one write. */
  private readonly endRound = (): void => {
    this.roundEnding = false;
    this.commitLog.write();
  };

  /** Bytes below offset reached the page cache: dispatch the puts they hold and answer them. */
  written(offset: number): void {
    let count = 0;
    while (count < this.unwritten.length && this.unwritten[count]!.end <= offset) count++;
    const puts = this.unwritten.splice(0, count);
    for (const put of puts) for (const record of put.records) this.dispatcher.dispatch(record);
    this.dispatcher.roundEnd(puts.at(-1)?.recordsEnd);
    const newest = puts.at(-1)?.records.at(-1);
    if (newest) this.flush.writtenTimestamp = newest.storeTimestamp;
    for (const put of puts) {
      if (put.wait) this.flush.awaitFlush(put.end, put.result, put.resolve);
      else put.resolve(put.result);
    }
  }

  /** Told when a write finds the disk full, so that retention need not wait for its next run. */
  onDiskFull: () => void = () => {};

  /** A write failed (a full disk): every put not yet written fails, and takes no queue offset. */
  writeFailed(error: Error): void {
    const failed = this.unwritten.splice(0);
    // Undo queue offsets newest first, so that each queue ends at its first lost message.
    for (let i = failed.length - 1; i >= 0; i--) {
      const first = failed[i]!.records[0];
      if (first && takesQueueOffset(first.sysFlag)) {
        this.queues.setNextOffset(first.topic, first.queueId, first.queueOffset);
      }
    }
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOSPC' || code === 'EDQUOT'
        ? `the disk under ${this.config.storePathCommitLog} is full (${code}); free space or lower fileReservedTime, then retry`
        : `writing the CommitLog failed: ${error.message}`;
    this.logger.error(why);
    const result: PutMessageResult = { status: 'SERVICE_NOT_AVAILABLE', error: why };
    for (const put of failed) put.resolve(result);
    if (code === 'ENOSPC' || code === 'EDQUOT') this.onDiskFull();
  }
}
