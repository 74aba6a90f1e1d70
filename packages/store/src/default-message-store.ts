import { type Logger, PeriodicTasks, consoleLogger, tryEach } from '@rocketnest/common';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { MessageToStore } from '@rocketnest/protocol';
import { StoreCheckpoint } from './checkpoint.js';
import { CleanService, diskUsedRatio } from './clean-service.js';
import { CommitLog } from './commit-log.js';
import { CommitLogAppender } from './commit-log-appender.js';
import {
  CommitLogDispatcher,
  ConsumeQueueDispatch,
  IndexDispatch,
  type DispatchTarget,
} from './commit-log-dispatcher.js';
import { CQ_ENTRY_SIZE, entryAt, type ConsumeQueueEntry } from './consume-queue.js';
import { ConsumeQueueTable } from './consume-queue-table.js';
import { FlushService } from './flush-service.js';
import { IndexService } from './index-service.js';
import {
  type GetMessageResult,
  type MessageArrival,
  type RetentionReport,
  type MessageFilter,
  type MessageStore,
  type PutMessageResult,
  type QueryMessageResult,
} from './message-store.js';
import { maxPutBytes, putProblem } from './put-rules.js';
import { BLANK_ENTRY_SIZE, offsetByTime, readMessages, type QueueSource, type TimeBoundary } from './queue-reader.js';
import { recoverStore } from './recovery.js';
import { ReplicaRecords } from './replica-records.js';
import type { FileWriter } from './segmented-file.js';
import { parseDelayLevels } from '@rocketnest/common';
import { defaultStoreConfig, validateStoreConfig, type MessageStoreConfig } from './store-config.js';
import { pathUnder } from './store-path.js';

export interface DefaultMessageStoreOptions {
  logger?: Logger | undefined;
  /** Share of the disk in use (0..1) at a path; defaults to statfs. Tests inject their own. */
  diskUsage?: ((path: string) => number) | undefined;
  /** The clock; tests move it to expire files. */
  now?: (() => number) | undefined;
  /** How CommitLog bytes are written (fs.writev); tests inject a disk that fills up. */
  writeCommitLog?: FileWriter | undefined;
  /** Bytes of RAM, of which accessMessageInMemoryMaxRatio counts as page cache; os.totalmem() by default. */
  totalMemory?: number | undefined;
}

/**
 * The file store (DefaultMessageStore): CommitLog, ConsumeQueues and IndexFiles under
 * storePathRootDir in RocketMQ's formats. A facade over the parts that do the work: appends and
 * their rounds (commit-log-appender.ts), recovery (recovery.ts), the dispatcher that feeds the
 * ConsumeQueues and the index (commit-log-dispatcher.ts), flushing and group commit
 * (flush-service.ts), retention (clean-service.ts), the ConsumeQueues (consume-queue-table.ts)
 * and the put rules every store shares (put-rules.ts). Reads are here.
 */
export class DefaultMessageStore implements MessageStore {
  readonly config: MessageStoreConfig;
  private readonly logger: Logger;
  /** Bytes back from the CommitLog's end that count as in the page cache. */
  private readonly inMemoryBytes: number;
  private readonly commitLog: CommitLog;
  private readonly consumeQueues: ConsumeQueueTable;
  private readonly index: IndexService | undefined;
  private readonly arrivals: ConsumeQueueDispatch;
  private readonly dispatcher: CommitLogDispatcher;
  private readonly flush: FlushService;
  private readonly cleaner: CleanService;
  private checkpoint: StoreCheckpoint | undefined;
  private readonly appender: CommitLogAppender;
  /** What replicated bytes complete, on a slave. */
  private readonly replica: ReplicaRecords;
  private readonly tasks = new PeriodicTasks((error) => this.logger.error(error.message));
  private running = false;

  constructor(config: Partial<MessageStoreConfig> = {}, options: DefaultMessageStoreOptions = {}) {
    this.config = defaultStoreConfig(config);
    validateStoreConfig(this.config);
    const logger = (this.logger = options.logger ?? consoleLogger('store'));
    const now = options.now ?? Date.now;
    this.inMemoryBytes = ((options.totalMemory ?? totalmem()) * this.config.accessMessageInMemoryMaxRatio) / 100;
    const commitLog = (this.commitLog = new CommitLog(
      this.config.storePathCommitLog,
      this.config.mappedFileSizeCommitLog,
      {
        written: (offset) => this.appender.written(offset),
        failed: (_from, error) => this.appender.writeFailed(error),
      },
      options.writeCommitLog,
      this.config.transientStorePoolEnable,
    ));
    const root = this.config.storePathRootDir;
    const queues = (this.consumeQueues = new ConsumeQueueTable(root, this.config.mappedFileSizeConsumeQueue, logger));
    const index = (this.index = this.config.messageIndexEnable
      ? new IndexService(pathUnder(root, 'index'), this.config.maxHashSlotNum, this.config.maxIndexNum)
      : undefined);
    this.arrivals = new ConsumeQueueDispatch(queues, parseDelayLevels(this.config.messageDelayLevel));
    const targets: DispatchTarget[] = [this.arrivals];
    const checkpoint = () => this.checkpoint!;
    const indexDispatch = index && new IndexDispatch(index, () => this.checkpoint, logger);
    if (indexDispatch) targets.push(indexDispatch);
    const dispatcher = (this.dispatcher = new CommitLogDispatcher(targets));
    this.flush = new FlushService(
      { commitLog, queues, dispatcher, index: indexDispatch, checkpoint },
      this.config,
      now,
      logger,
    );
    this.cleaner = new CleanService(
      { commitLog, queues, index },
      this.config,
      options.diskUsage ?? diskUsedRatio,
      now,
      logger,
    );
    this.appender = new CommitLogAppender(commitLog, queues, dispatcher, this.flush, this.config, now, logger);
    this.appender.onDiskFull = () => this.cleaner.clean();
    this.replica = new ReplicaRecords(this.config.mappedFileSizeCommitLog, maxPutBytes(this.config.maxMessageSize));
  }

  /** CommitLog fsyncs done since start: under SYNC_FLUSH, far fewer than puts (group commit). */
  get commitLogFsyncs(): number {
    return this.commitLog.fsyncs;
  }

  private get abortPath(): string {
    return pathUnder(this.config.storePathRootDir, 'abort');
  }

  /** Load the files, recover from a crash if the abort file says there was one, and start. */
  async start(): Promise<void> {
    const root = this.config.storePathRootDir;
    mkdirSync(root, { recursive: true });
    const abnormal = existsSync(this.abortPath);
    const started = performance.now();
    this.commitLog.load();
    const hadConsumeQueues = this.consumeQueues.load();
    const checkpoint = (this.checkpoint = new StoreCheckpoint(pathUnder(root, 'checkpoint')));
    this.index?.load(abnormal, checkpoint.indexMsgTimestamp);
    const files = {
      commitLog: this.commitLog,
      queues: this.consumeQueues,
      index: this.index,
      checkpoint,
      dispatcher: this.dispatcher,
    };
    // Retention first: recovery writes ConsumeQueue entries, which a disk past
    // diskMaxUsedSpaceRatio may have no room for; past diskSpaceWarningLevelRatio the store opens
    // refusing writes (read-only) until retention or the operator frees space.
    this.cleaner.clean();
    const { end, flushedOffset } = recoverStore(files, abnormal, hadConsumeQueues, this.config, this.logger);
    this.flush.opened(flushedOffset);
    this.replica.reset(end);
    writeFileSync(this.abortPath, '');
    this.running = true;
    this.startServices();
    this.logger.info(
      `store at ${root} ${abnormal ? 'recovered after an unclean shutdown' : 'opened'} in ` +
        `${Math.round(performance.now() - started)} ms: CommitLog ${this.commitLog.minOffset}..${end}, ` +
        `${this.consumeQueues.all().length} ConsumeQueues`,
    );
  }

  private startServices(): void {
    const tasks = this.tasks;
    if (this.config.flushDiskType === 'ASYNC_FLUSH')
      tasks.every(this.config.flushIntervalCommitLog, () => this.flush.flushCommitLog(false));
    tasks.every(this.config.flushIntervalConsumeQueue, () => this.flush.flushConsumeQueues());
    tasks.every(this.config.cleanResourceInterval, () => this.cleaner.clean());
  }

  /**
   * Flush and close everything. Each step is tried whatever the ones before did, so that a full
   * disk (ENOSPC) cannot keep the store open: every file is closed, and if anything could not be
   * written the abort file stays, so that the next start recovers the ConsumeQueues, the index
   * and the checkpoint from the CommitLog, which holds every message acknowledged.
   */
  async shutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.tasks.stop();
    const failures = (
      await tryEach([
        { what: 'writing the CommitLog', run: () => this.commitLog.drain() },
        { what: 'flushing the CommitLog', run: () => this.commitLog.flush() },
        { what: 'flushing the ConsumeQueues', run: () => this.flush.close() },
        { what: 'writing the checkpoint', run: () => this.checkpoint!.close() },
        { what: 'closing the index', run: () => this.index?.close() },
        { what: 'closing the ConsumeQueues', run: () => this.consumeQueues.close() },
        { what: 'closing the CommitLog', run: () => this.commitLog.close() },
      ])
    ).map(({ step, error }) => `${step.what}: ${error.message}`);
    if (failures.length === 0) {
      rmSync(this.abortPath, { force: true });
      return;
    }
    this.logger.error(
      `the store at ${this.config.storePathRootDir} shut down without ${failures.join('; ')}. The abort file stays: the next start rebuilds what is missing from the CommitLog${failures.some((f) => /ENOSPC|EDQUOT/.test(f)) ? '; free space on the disk first' : ''}`,
    );
  }

  putMessage(message: MessageToStore): Promise<PutMessageResult> {
    return this.putMessages([message]);
  }

  putMessages(messages: readonly MessageToStore[]): Promise<PutMessageResult> {
    return Promise.resolve(this.checkWritable(messages) ?? this.appender.append(messages));
  }

  private checkWritable(messages: readonly MessageToStore[]): PutMessageResult | undefined {
    if (!this.running) {
      return {
        status: 'SERVICE_NOT_AVAILABLE',
        error: 'the store is not running: start() it first, or it is shutting down',
      };
    }
    const refusing = this.cleaner.refusingWrites;
    if (refusing) return { status: 'SERVICE_NOT_AVAILABLE', error: refusing };
    // A disk that stalls must not make appends pile up in memory without bound.
    const stalled = this.commitLog.writeMillis;
    if (stalled > this.config.osPageCacheBusyTimeOutMills) {
      return {
        status: 'OS_PAGECACHE_BUSY',
        error: `[PC_SYNCHRONIZED]broker busy, start flow control for a while: a CommitLog write has taken ${Math.round(stalled)} ms (osPageCacheBusyTimeOutMills ${this.config.osPageCacheBusyTimeOutMills})`,
      };
    }
    return putProblem(messages, this.config.maxMessageSize);
  }

  getMessage(
    topic: string,
    queueId: number,
    offset: number,
    maxMsgNums: number,
    filter?: MessageFilter,
  ): GetMessageResult {
    const queue = this.consumeQueues.find(topic, queueId);
    const commitLog = this.commitLog;
    const source: QueueSource | undefined = queue && {
      minOffset: queue.minOffset,
      maxOffset: queue.maxOffset,
      minPhysicalOffset: commitLog.minOffset,
      entries(from, count) {
        const bytes = queue.read(from, count);
        const entries = [];
        for (let at = 0; at < bytes.length; at += CQ_ENTRY_SIZE) entries.push(entryAt(bytes, at));
        return entries;
      },
      readRecords: (run, target, position) => commitLog.readRecordsInto(run, target, position),
    };
    const limits = {
      maxMsgNums,
      maxBytes: this.config.maxTransferBytesOnMessageInMemory,
      maxCount: this.config.maxTransferCountOnMessageInMemory,
    };
    return readMessages(source, offset, limits, filter);
  }

  getMaxOffsetInQueue(topic: string, queueId: number): number {
    return this.consumeQueues.find(topic, queueId)?.maxOffset ?? 0;
  }

  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.consumeQueues.find(topic, queueId)?.minOffset ?? 0;
  }

  consumeQueueEntries(topic: string, queueId: number, offset: number, count: number): ConsumeQueueEntry[] {
    const queue = this.consumeQueues.find(topic, queueId);
    const from = Math.max(offset, queue?.minOffset ?? 0);
    const bytes = queue?.read(from, count) ?? Buffer.alloc(0);
    return Array.from({ length: bytes.length / CQ_ENTRY_SIZE }, (_, i) => entryAt(bytes, i * CQ_ENTRY_SIZE));
  }

  getMessageStoreTimestamp(topic: string, queueId: number, offset: number): number {
    const entry = this.consumeQueues.find(topic, queueId)?.entry(offset);
    if (!entry || entry.size === BLANK_ENTRY_SIZE) return -1;
    return this.commitLog.storeTimestampAt(entry.commitLogOffset);
  }

  getEarliestMessageTime(topic: string, queueId: number): number {
    return this.getMessageStoreTimestamp(topic, queueId, this.getMinOffsetInQueue(topic, queueId));
  }

  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number, boundary?: TimeBoundary): number {
    const queue = this.consumeQueues.find(topic, queueId);
    if (!queue) return 0;
    return offsetByTime(
      queue.minOffset,
      queue.maxOffset,
      timestamp,
      (offset) => this.getMessageStoreTimestamp(topic, queueId, offset),
      boundary,
    );
  }

  checkInDiskByConsumeOffset(topic: string, queueId: number, consumeOffset: number): boolean {
    const entry = this.consumeQueues.find(topic, queueId)?.entry(consumeOffset);
    if (!entry || entry.size === BLANK_ENTRY_SIZE) return false;
    return this.commitLog.maxOffset - entry.commitLogOffset > this.inMemoryBytes;
  }

  lookMessageByOffset(physicalOffset: number): Buffer | undefined {
    return this.commitLog.readRecord(physicalOffset);
  }

  queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): QueryMessageResult {
    const offsets = this.index ? this.index.query(topic, key, Math.min(maxNum, 64), begin, end) : [];
    const messages = offsets
      .sort((a, b) => a - b)
      .map((offset) => this.commitLog.readRecord(offset))
      .filter((record): record is Buffer => record !== undefined);
    return {
      messages,
      indexLastUpdateTimestamp: this.index?.lastUpdateTimestamp ?? 0,
      indexLastUpdatePhyoffset: this.index?.endPhyOffset ?? 0,
    };
  }

  /**
   * Replication, master side (HAConnection's transfer): up to maxBytes of the CommitLog from
   * offset, never past the end of its segment or of what is written.
   */
  readReplica(offset: number, maxBytes: number): Buffer {
    const segmentSize = this.config.mappedFileSizeCommitLog;
    const segmentEnd = offset - (offset % segmentSize) + segmentSize;
    return this.commitLog.read(offset, Math.min(maxBytes, segmentEnd - offset));
  }

  /**
   * Replication, slave side (HAClient): bytes the master wrote at offset (one or more of its
   * chunks), appended at the same offset, so that this CommitLog stays the master's byte for
   * byte; the records they complete go to the ConsumeQueues and the index. Resolved once
   * written; offset must be where this log ends.
   */
  async appendReplica(offset: number, data: Buffer): Promise<void> {
    if (!this.running) throw new Error('the store is not running');
    // An empty slave takes the master's log from where it sends it: the start of its newest segment.
    if (
      this.commitLog.file.isEmpty &&
      this.commitLog.maxOffset === 0 &&
      offset % this.config.mappedFileSizeCommitLog === 0
    ) {
      this.commitLog.setEnd(offset);
      this.replica.reset(offset);
    }
    const end = this.commitLog.maxOffset;
    if (offset !== end) {
      throw new RangeError(`the master sent CommitLog bytes at ${offset}, but this log ends at ${end}`);
    }
    // Several of the master's chunks may come as one: each segment's part goes in on its own.
    const segmentSize = this.config.mappedFileSizeCommitLog;
    for (let at = 0; at < data.length;) {
      const room = segmentSize - ((offset + at) % segmentSize);
      const piece = data.subarray(at, at + Math.min(room, data.length - at));
      const { records, recordsEnd, commit } = this.replica.take(offset + at, piece);
      await this.appender.appendReplica(piece, records, recordsEnd);
      commit();
      at += piece.length;
    }
  }

  /**
   * The slave becomes a master: replication has stopped, and this log now ends after its last
   * whole record (the start of a record the master did not finish sending is dropped), so that
   * its own appends start on a record's boundary. Resolves with that end.
   */
  async endReplication(): Promise<number> {
    await this.commitLog.drain();
    const end = this.replica.recordsEnd;
    if (end !== this.commitLog.maxOffset) {
      this.logger.warn(
        `replication stopped at CommitLog offset ${this.commitLog.maxOffset}: the log now ends at ${end}, after its last whole record`,
      );
      this.commitLog.setEnd(end);
      this.flush.lastFlushedOffset = Math.min(end, this.flush.lastFlushedOffset);
    }
    this.replica.reset(end);
    return end;
  }

  getMinPhyOffset(): number {
    return this.commitLog.minOffset;
  }

  getMaxPhyOffset(): number {
    return this.commitLog.maxOffset;
  }

  get flushBehindBytes(): number {
    return Math.max(0, this.commitLog.maxOffset - this.flush.lastFlushedOffset);
  }

  /** Delete topics' ConsumeQueues; a name that breaks the rules throws before anything is deleted. */
  deleteTopics(topics: readonly string[]): void {
    this.consumeQueues.delete(topics);
  }

  queues(): Map<string, number[]> {
    return this.consumeQueues.queueIds();
  }

  onMessageArrival(listener: (arrival: MessageArrival) => void): void {
    this.arrivals.listeners.push(listener);
  }

  onRetention(listener: (report: RetentionReport) => void): void {
    this.cleaner.listeners.push(listener);
  }

  /** Retention, run every cleanResourceInterval and callable directly (CleanService). Returns the segments deleted. */
  cleanExpiredFiles(options: { force?: boolean } = {}): string[] {
    return this.cleaner.clean(options);
  }
}
