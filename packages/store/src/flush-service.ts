import { type Logger } from '@rocketnest/common';
import type { StoreCheckpoint } from './checkpoint.js';
import type { CommitLog } from './commit-log.js';
import type { CommitLogDispatcher, IndexDispatch } from './commit-log-dispatcher.js';
import type { ConsumeQueueTable } from './consume-queue-table.js';
import type { PutMessageResult } from './message-store.js';
import type { MessageStoreConfig } from './store-config.js';

interface SyncWaiter {
  endOffset: number;
  result: PutMessageResult;
  resolve(result: PutMessageResult): void;
  timer: NodeJS.Timeout;
}

/** What the flushes work on: the files, and the checkpoint once the store has opened it. */
export interface FlushedFiles {
  readonly commitLog: CommitLog;
  readonly queues: ConsumeQueueTable;
  readonly dispatcher: CommitLogDispatcher;
  readonly index: IndexDispatch | undefined;
  readonly checkpoint: () => StoreCheckpoint;
}

/**
 * Flushing (FlushRealTimeService, GroupCommitService and FlushConsumeQueueService): under
 * ASYNC_FLUSH the CommitLog is fsynced when enough pages are dirty or now and then; under
 * SYNC_FLUSH puts wait for an fsync that covers them, one fsync serving every put waiting when it
 * starts; the ConsumeQueues, the index and the checkpoint follow on their own interval.
 */
export class FlushService {
  /** CommitLog offset up to which an fsync has returned. */
  lastFlushedOffset = 0;
  /** Store time of the newest record in the page cache. */
  writtenTimestamp = 0;
  private lastThoroughFlush = 0;
  private syncWaiters: SyncWaiter[] = [];
  private syncFlushing = false;

  constructor(
    private readonly files: FlushedFiles,
    private readonly config: MessageStoreConfig,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  /**
   * What a flush starting now makes durable, as the offset recorded: the page cache's end, or on
   * a slave whose log ends inside a record replication has not finished, that record's start.
   * The checkpoint's safe offset derives from it and must be where a record starts.
   */
  private get flushTarget(): number {
    return Math.min(this.files.commitLog.readableOffset, this.files.dispatcher.dispatchedOffset);
  }

  /** After recovery: the CommitLog is known to be on disk up to flushedOffset. */
  opened(flushedOffset: number): void {
    this.lastFlushedOffset = flushedOffset;
    this.lastThoroughFlush = this.now();
  }

  /** Under ASYNC_FLUSH: fsync when enough pages are dirty, or everything now and then. */
  async flushCommitLog(force: boolean): Promise<void> {
    const commitLog = this.files.commitLog;
    const target = this.flushTarget;
    const timestamp = this.writtenTimestamp;
    const thorough = this.now() - this.lastThoroughFlush >= this.config.flushCommitLogThoroughInterval;
    const enough = target - this.lastFlushedOffset >= this.config.flushCommitLogLeastPages * 4096;
    if (!force && !thorough && !enough) return;
    if (target === this.lastFlushedOffset && !force) return;
    if (thorough) this.lastThoroughFlush = this.now();
    await commitLog.flush();
    this.lastFlushedOffset = Math.max(this.lastFlushedOffset, target);
    const checkpoint = this.files.checkpoint();
    checkpoint.physicMsgTimestamp = Math.max(checkpoint.physicMsgTimestamp, timestamp);
  }

  /**
   * Answer a put once an fsync covers its records (up to endOffset), or with FLUSH_DISK_TIMEOUT
   * after syncFlushTimeout: the message is stored either way.
   */
  awaitFlush(endOffset: number, result: PutMessageResult, resolve: (result: PutMessageResult) => void): void {
    const waiter: SyncWaiter = {
      endOffset,
      result,
      resolve,
      timer: setTimeout(() => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
        resolve({
          ...result,
          status: 'FLUSH_DISK_TIMEOUT',
          error: `the message is stored but the disk did not confirm it within syncFlushTimeout ${this.config.syncFlushTimeout} ms`,
        });
      }, this.config.syncFlushTimeout),
    };
    this.syncWaiters.push(waiter);
    this.groupCommit();
  }

  /** One fsync for every put waiting when it starts; puts arriving meanwhile wait for the next. */
  private groupCommit(): void {
    if (this.syncFlushing || this.syncWaiters.length === 0) return;
    this.syncFlushing = true;
    const target = this.flushTarget;
    const timestamp = this.writtenTimestamp;
    this.files.commitLog.flush().then(
      () => {
        this.syncFlushing = false;
        this.lastFlushedOffset = Math.max(this.lastFlushedOffset, target);
        const checkpoint = this.files.checkpoint();
        checkpoint.physicMsgTimestamp = Math.max(checkpoint.physicMsgTimestamp, timestamp);
        this.settleSyncWaiters(target);
        this.groupCommit();
      },
      (error: Error) => {
        this.syncFlushing = false;
        this.logger.error(`fsync of the CommitLog failed: ${error.message}`);
        setTimeout(() => this.groupCommit(), 10).unref();
      },
    );
  }

  /** Answer the puts an fsync up to flushedTo covers. */
  settleSyncWaiters(flushedTo: number): void {
    const still: SyncWaiter[] = [];
    for (const waiter of this.syncWaiters) {
      if (waiter.endOffset <= flushedTo) {
        clearTimeout(waiter.timer);
        waiter.resolve(waiter.result);
      } else still.push(waiter);
    }
    this.syncWaiters = still;
  }

  /**
   * Flush the ConsumeQueues, persist the index file being written (its slots only when
   * shutting down: after a crash they are rebuilt from its entries), and write the checkpoint
   * with the safe offset: what was dispatched before these flushes and is fsynced in the
   * CommitLog, so that recovery rescans only what came after.
   */
  async flushConsumeQueues(shuttingDown = false): Promise<void> {
    const { dispatcher, index } = this.files;
    const timestamp = dispatcher.lastDispatchedTimestamp;
    const safeOffset = Math.min(dispatcher.dispatchedOffset, this.lastFlushedOffset);
    // One fsync at a time: each holds a thread of the pool, which CommitLog writes need too.
    for (const queue of this.files.queues.all()) await queue.flush();
    const checkpoint = this.files.checkpoint();
    checkpoint.logicsMsgTimestamp = Math.max(checkpoint.logicsMsgTimestamp, timestamp);
    if (index) {
      await index.settled();
      if (timestamp > checkpoint.indexMsgTimestamp || shuttingDown) {
        checkpoint.indexMsgTimestamp = Math.max(checkpoint.indexMsgTimestamp, await index.index.persist(shuttingDown));
      }
    }
    checkpoint.safeOffset = Math.max(checkpoint.safeOffset ?? 0, safeOffset);
    await checkpoint.flush();
  }

  /** At shutdown, after the last write and fsync of the CommitLog. */
  async close(): Promise<void> {
    const checkpoint = this.files.checkpoint();
    checkpoint.physicMsgTimestamp = Math.max(checkpoint.physicMsgTimestamp, this.writtenTimestamp);
    this.settleSyncWaiters(this.files.commitLog.readableOffset);
    await this.flushConsumeQueues(true);
  }
}
