import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import {
  createOffsetMessageId,
  getInt16,
  getInt32,
  MESSAGE_MAGIC_CODE_V2,
  MessageConst,
  MessageSysFlag,
  propertyValue,
  readLong,
  storedMessageLength,
  storeTimestampPosition,
  topicNameProblem,
  transactionType,
  writeStoredMessage,
  type MessageToStore,
} from '@rocketnest/protocol';
import { StoreCheckpoint } from './checkpoint.js';
import { CommitLog, type ScannedRecord } from './commit-log.js';
import { ConsumeQueue, CQ_ENTRY_SIZE, entryAt } from './consume-queue.js';
import { consumeQueueTagsCode, indexKeys } from './dispatch-keys.js';
import type { IndexFile } from './index-file.js';
import { IndexService } from './index-service.js';
import type { FileWriter } from './segmented-file.js';
import {
  consoleStoreLogger,
  type GetMessageResult,
  type MessageArrival,
  type MessageFilter,
  type MessageStore,
  type PutMessageResult,
  type QueryMessageResult,
  type StoreLogger,
} from './message-store.js';
import {
  BLANK_ENTRY_SIZE,
  offsetByTime,
  readMessages,
  type QueueSource,
  type ReadLimits,
  type TimeBoundary,
} from './queue-reader.js';
import { defaultStoreConfig, parseDelayLevels, validateStoreConfig, type MessageStoreConfig } from './store-config.js';
import { pathUnder, StorePathError, topicQueueDir } from './store-path.js';

const MAX_PROPERTIES_LENGTH = 32767;
const EARLY_WRITE_BYTES = 64 * 1024;

export interface DefaultMessageStoreOptions {
  logger?: StoreLogger | undefined;
  /** Share of the disk in use (0..1) at a path; defaults to statfs. Tests inject their own. */
  diskUsage?: ((path: string) => number) | undefined;
  /** The clock; tests move it to expire files. */
  now?: (() => number) | undefined;
  /** How CommitLog bytes are written (fs.writev); tests inject a disk that fills up. */
  writeCommitLog?: FileWriter | undefined;
  /** Bytes of RAM, of which accessMessageInMemoryMaxRatio counts as page cache; os.totalmem() by default. */
  totalMemory?: number | undefined;
}

/** What dispatch needs of a record appended or found by recovery. */
interface DispatchRecord {
  topic: string;
  queueId: number;
  queueOffset: number;
  physicalOffset: number;
  size: number;
  sysFlag: number;
  storeTimestamp: number;
  properties: string;
}

interface PendingPut {
  records: DispatchRecord[];
  resolve(result: PutMessageResult): void;
  /** Answered only after its fsync (SYNC_FLUSH and not WAIT=false). */
  wait: boolean;
  result: PutMessageResult;
}

interface SyncWaiter {
  endOffset: number;
  put: PendingPut;
  timer: NodeJS.Timeout;
}

/**
 * The file store (DefaultMessageStore): CommitLog, ConsumeQueues and IndexFiles under
 * storePathRootDir in RocketMQ's formats, with flush, crash recovery and retention.
 *
 * Appends made in one turn of the event loop form a round: their records are encoded into the
 * CommitLog's slab and written to the page cache in one write on a thread of the pool (a large
 * round starts writing early) while this thread encodes the next round. Once written, records
 * are dispatched to the ConsumeQueues and the index, and only then are the puts answered (at
 * once under ASYNC_FLUSH; after an fsync covering them under SYNC_FLUSH, one fsync serving every
 * put waiting for it).
 */
export class DefaultMessageStore implements MessageStore {
  readonly config: MessageStoreConfig;
  private readonly logger: StoreLogger;
  private readonly diskUsage: (path: string) => number;
  /** Bytes back from the CommitLog's end that count as in the page cache. */
  private readonly inMemoryBytes: number;
  private readonly now: () => number;
  private readonly delayLevels: number[];
  private readonly commitLog: CommitLog;
  private readonly consumeQueues = new Map<string, Map<number, ConsumeQueue>>();
  /** The queue offset the next message of each topic queue gets: topic -> by queue id. */
  private readonly queueOffsets = new Map<string, number[]>();
  private readonly index: IndexService | undefined;
  private checkpoint: StoreCheckpoint | undefined;
  private readonly listeners: ((arrival: MessageArrival) => void)[] = [];
  /** Arrivals of the round being dispatched, told to listeners once it is written. */
  private readonly arrivals: MessageArrival[] = [];
  /** Puts whose records are encoded but not yet in the page cache, in CommitLog order. */
  private readonly unwritten: PendingPut[] = [];
  private roundEnding = false;
  private syncWaiters: SyncWaiter[] = [];
  private syncFlushing = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private running = false;
  private refusingWrites: string | undefined;
  /** Store time of the newest record in the page cache. */
  private writtenTimestamp = 0;
  private lastDispatchedTimestamp = 0;
  private lastFlushedOffset = 0;
  /** CommitLog offset up to which records are in the ConsumeQueues and the index. */
  private dispatchedOffset = 0;
  /** Topics of records on disk that break the rules of names, reported once each. */
  private readonly unqueuedTopics = new Set<string>();
  /** Full index files whose persist() is under way. */
  private readonly indexFilesPersisting = new Set<Promise<void>>();
  private lastThoroughFlush = 0;

  constructor(config: Partial<MessageStoreConfig> = {}, options: DefaultMessageStoreOptions = {}) {
    this.config = defaultStoreConfig(config);
    validateStoreConfig(this.config);
    this.logger = options.logger ?? consoleStoreLogger;
    this.diskUsage = options.diskUsage ?? diskUsedRatio;
    this.now = options.now ?? Date.now;
    this.inMemoryBytes = ((options.totalMemory ?? totalmem()) * this.config.accessMessageInMemoryMaxRatio) / 100;
    this.delayLevels = parseDelayLevels(this.config.messageDelayLevel);
    this.commitLog = new CommitLog(
      this.config.storePathCommitLog,
      this.config.mappedFileSizeCommitLog,
      { written: (offset) => this.written(offset), failed: (_from, error) => this.writeFailedFrom(error) },
      options.writeCommitLog,
      this.config.transientStorePoolEnable,
    );
    this.index = this.config.messageIndexEnable
      ? new IndexService(
          pathUnder(this.config.storePathRootDir, 'index'),
          this.config.maxHashSlotNum,
          this.config.maxIndexNum,
        )
      : undefined;
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
    const consumeQueueDir = pathUnder(root, 'consumequeue');
    const hadConsumeQueues = existsSync(consumeQueueDir);
    this.loadConsumeQueues(consumeQueueDir);
    this.checkpoint = new StoreCheckpoint(pathUnder(root, 'checkpoint'));
    this.index?.load(abnormal, this.checkpoint.indexMsgTimestamp);
    const end = abnormal ? this.recoverAbnormally() : this.recoverNormally();
    this.commitLog.setEnd(end);
    for (const queue of this.allConsumeQueues()) {
      if (queue.maxPhysicOffset >= end) queue.truncateAfter(end);
    }
    if (this.commitLog.file.isEmpty) for (const queue of this.allConsumeQueues()) queue.truncateAfter(0);
    // Catch the ConsumeQueues and the index up with the log (missing or behind after a crash).
    let reputFrom = this.commitLog.minOffset;
    if (hadConsumeQueues) {
      for (const queue of this.allConsumeQueues()) reputFrom = Math.max(reputFrom, queue.maxPhysicOffset);
    }
    if (reputFrom < end) {
      let count = 0;
      this.commitLog.scan(
        reputFrom,
        false,
        (record) => {
          this.redispatch(record);
          count++;
        },
        this.config.maxMessageSize + 64 * 1024,
      );
      this.logger.info(`dispatched ${count} records from ${reputFrom} to ${end} into ConsumeQueues and index`);
    }
    this.announceDispatched();
    for (const queue of this.allConsumeQueues()) {
      queue.correctMinOffset(this.commitLog.minOffset);
      this.setQueueOffset(queue.topic, queue.queueId, queue.maxOffset);
    }
    this.dispatchedOffset = end;
    if (!abnormal) this.lastFlushedOffset = end;
    this.lastThoroughFlush = this.now();
    writeFileSync(this.abortPath, '');
    this.running = true;
    this.startServices();
    this.logger.info(
      `store at ${root} ${abnormal ? 'recovered after an unclean shutdown' : 'opened'} in ` +
        `${Math.round(performance.now() - started)} ms: CommitLog ${this.commitLog.minOffset}..${end}, ` +
        `${this.allConsumeQueues().length} ConsumeQueues`,
    );
  }

  /**
   * Open the ConsumeQueues in consumequeue/<topic>/<queueId>. A directory whose name is not a
   * valid topic, or a link, is reported and left alone: it is never opened, followed or deleted.
   */
  private loadConsumeQueues(dir: string): void {
    if (!existsSync(dir)) return;
    for (const topic of readdirSync(dir)) {
      const topicDir = pathUnder(dir, topic);
      const entry = lstatSync(topicDir);
      const why = entry.isSymbolicLink() ? 'it is a link' : entry.isDirectory() ? topicNameProblem(topic) : undefined;
      if (why) {
        this.logger.warn(`${topicDir} is not a ConsumeQueue directory the store opens (${why}); it is left as it is`);
        continue;
      }
      if (!entry.isDirectory()) continue;
      for (const id of readdirSync(topicDir)) {
        if (!/^\d+$/.test(id) || !lstatSync(pathUnder(topicDir, id)).isDirectory()) continue;
        const queue = this.consumeQueue(topic, Number(id));
        queue.load();
      }
    }
  }

  /**
   * After a clean shutdown: walk the log from the checkpoint's safe offset (without one, from
   * the last three segments, as RocketMQ does) and stop at the first record that is not valid.
   * Nothing needs dispatching.
   */
  private recoverNormally(): number {
    const segments = this.commitLog.file.all;
    if (segments.length === 0) return 0;
    const from = this.safeOffset() ?? segments[Math.max(0, segments.length - 3)]!.start;
    return this.commitLog.scan(from, this.config.checkCRCOnRecover, () => {}, this.config.maxMessageSize + 64 * 1024);
  }

  /** The checkpoint's safe offset when it lies within the CommitLog, else undefined. */
  private safeOffset(): number | undefined {
    const safe = this.checkpoint!.safeOffset;
    const file = this.commitLog.file;
    if (safe === undefined || safe < file.minOffset || safe > file.capacityEnd) return undefined;
    return safe;
  }

  /**
   * After a crash: start at the checkpoint's safe offset, or without one at the newest segment
   * whose first message is older than what the checkpoint says is durable everywhere; keep every
   * record whose length and CRC are valid, dispatch each (repeats are ignored), and cut the
   * torn tail.
   */
  private recoverAbnormally(): number {
    const segments = this.commitLog.file.all;
    if (segments.length === 0) return 0;
    const checkpoint = this.checkpoint!;
    const safeTime = this.index
      ? Math.min(checkpoint.minTimestamp, checkpoint.indexMsgTimestamp)
      : checkpoint.minTimestamp;
    const safeOffset = this.safeOffset();
    // Index files deleted at load (newer than the checkpoint) are rebuilt from where they began.
    let from =
      safeOffset === undefined ? segments[0]!.start : Math.min(safeOffset, this.index?.rebuildFrom ?? safeOffset);
    for (let i = segments.length - 1; i >= 0 && safeOffset === undefined; i--) {
      const first = this.commitLog.firstStoreTimestamp(segments[i]!.start);
      if (first !== 0 && first <= safeTime) {
        from = segments[i]!.start;
        break;
      }
    }
    let count = 0;
    const end = this.commitLog.scan(
      from,
      this.config.checkCRCOnRecover,
      (record) => {
        this.redispatch(record);
        count++;
      },
      this.config.maxMessageSize + 64 * 1024,
    );
    this.logger.warn(`unclean shutdown: recovered ${count} records from CommitLog offset ${from}, data ends at ${end}`);
    // What the crashed process wrote may sit in the page cache only: the next flushes fsync it
    // before the checkpoint calls any of it safe.
    this.lastFlushedOffset = from;
    this.commitLog.file.markDirtyFrom(from);
    for (const queue of this.allConsumeQueues()) queue.markUnflushed();
    return end;
  }

  /**
   * Dispatch a record found by a recovery scan. Most of them are already in their ConsumeQueue
   * and the index: those are recognised from the topic and offsets alone, without decoding
   * their properties, which keeps recovery time close to the time it takes to read the log.
   */
  private redispatch(record: ScannedRecord): void {
    const { buffer, at, physicalOffset, size } = record;
    const sysFlag = getInt32(buffer, at + 36);
    const storeTimestampAt = at + storeTimestampPosition(sysFlag);
    const bodyLengthAt = storeTimestampAt + 8 + (sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG ? 20 : 8) + 12;
    const topicLengthAt = bodyLengthAt + 4 + getInt32(buffer, bodyLengthAt);
    const v2 = getInt32(buffer, at + 4) === MESSAGE_MAGIC_CODE_V2;
    const topicLength = v2 ? getInt16(buffer, topicLengthAt) : buffer.readInt8(topicLengthAt);
    const topicAt = topicLengthAt + (v2 ? 2 : 1);
    const topic = buffer.toString('utf8', topicAt, topicAt + topicLength);
    const queueId = getInt32(buffer, at + 12);
    const queue = this.findConsumeQueue(topic, queueId);
    const queued = queue !== undefined && physicalOffset + size <= queue.maxPhysicOffset;
    const indexed = !this.index || this.index.covers(physicalOffset);
    if (queued && indexed) {
      this.lastDispatchedTimestamp = Math.max(this.lastDispatchedTimestamp, readLong(buffer, storeTimestampAt));
      return;
    }
    const propertiesAt = topicAt + topicLength;
    this.dispatch({
      topic,
      queueId,
      queueOffset: readLong(buffer, at + 20),
      physicalOffset,
      size,
      sysFlag,
      storeTimestamp: readLong(buffer, storeTimestampAt),
      properties: buffer.toString('utf8', propertiesAt + 2, propertiesAt + 2 + getInt16(buffer, propertiesAt)),
    });
  }

  private startServices(): void {
    const every = (ms: number, task: () => Promise<void> | void) => {
      const timer = setInterval(() => {
        Promise.resolve()
          .then(task)
          .catch((error: unknown) => this.logger.error(`${(error as Error).message}`));
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    if (this.config.flushDiskType === 'ASYNC_FLUSH')
      every(this.config.flushIntervalCommitLog, () => this.flushCommitLog(false));
    every(this.config.flushIntervalConsumeQueue, () => this.flushConsumeQueues());
    every(this.config.cleanResourceInterval, () => {
      this.cleanExpiredFiles();
    });
  }

  /** Under ASYNC_FLUSH: fsync when enough pages are dirty, or everything now and then. */
  private async flushCommitLog(force: boolean): Promise<void> {
    const target = this.commitLog.readableOffset;
    const timestamp = this.writtenTimestamp;
    const thorough = this.now() - this.lastThoroughFlush >= this.config.flushCommitLogThoroughInterval;
    const enough = target - this.lastFlushedOffset >= this.config.flushCommitLogLeastPages * 4096;
    if (!force && !thorough && !enough) return;
    if (target === this.lastFlushedOffset && !force) return;
    if (thorough) this.lastThoroughFlush = this.now();
    await this.commitLog.flush();
    this.lastFlushedOffset = Math.max(this.lastFlushedOffset, target);
    this.checkpoint!.physicMsgTimestamp = Math.max(this.checkpoint!.physicMsgTimestamp, timestamp);
  }

  /**
   * Flush the ConsumeQueues, persist the index file being written (its slots only when
   * shutting down: after a crash they are rebuilt from its entries), and write the checkpoint
   * with the safe offset: what was dispatched before these flushes and is fsynced in the
   * CommitLog, so that recovery rescans only what came after.
   */
  private async flushConsumeQueues(shuttingDown = false): Promise<void> {
    const timestamp = this.lastDispatchedTimestamp;
    const safeOffset = Math.min(this.dispatchedOffset, this.lastFlushedOffset);
    // One fsync at a time: each holds a thread of the pool, which CommitLog writes need too.
    for (const queue of this.allConsumeQueues()) await queue.flush();
    const checkpoint = this.checkpoint!;
    checkpoint.logicsMsgTimestamp = Math.max(checkpoint.logicsMsgTimestamp, timestamp);
    if (this.index) {
      await Promise.all(this.indexFilesPersisting);
      if (timestamp > checkpoint.indexMsgTimestamp || shuttingDown) {
        checkpoint.indexMsgTimestamp = Math.max(checkpoint.indexMsgTimestamp, await this.index.persist(shuttingDown));
      }
    }
    checkpoint.safeOffset = Math.max(checkpoint.safeOffset ?? 0, safeOffset);
    await checkpoint.flush();
  }

  async shutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
    await this.commitLog.drain();
    await this.commitLog.flush();
    this.checkpoint!.physicMsgTimestamp = Math.max(this.checkpoint!.physicMsgTimestamp, this.writtenTimestamp);
    this.settleSyncWaiters(this.commitLog.readableOffset);
    await this.flushConsumeQueues(true);
    this.checkpoint!.close();
    this.index?.close();
    for (const queue of this.allConsumeQueues()) queue.close();
    this.consumeQueues.clear();
    this.commitLog.close();
    rmSync(this.abortPath, { force: true });
  }

  putMessage(message: MessageToStore): Promise<PutMessageResult> {
    return this.putMessages([message]);
  }

  putMessages(messages: readonly MessageToStore[]): Promise<PutMessageResult> {
    const refused = this.checkWritable(messages);
    if (refused) return Promise.resolve(refused);
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
    if (total > this.config.maxMessageSize + 64 * 1024) {
      return Promise.resolve(
        illegal(
          `${count} messages take ${total} bytes, over maxMessageSize ${this.config.maxMessageSize} (+64 KiB of headers)`,
        ),
      );
    }
    const reserved = this.commitLog.reserve(total);
    const storeTimestamp = this.now();
    const { topic, queueId } = messages[0]!;
    let nextQueueOffset = this.queueOffsets.get(topic)?.[queueId] ?? 0;
    const records: DispatchRecord[] = new Array(count);
    let msgId = '';
    let physicalOffset = reserved.physicalOffset;
    let at = reserved.at;
    try {
      for (let i = 0; i < count; i++) {
        const message = messages[i]!;
        const length = lengths[i]!;
        const type = transactionType(message.sysFlag);
        const advances =
          type === MessageSysFlag.TRANSACTION_NOT_TYPE || type === MessageSysFlag.TRANSACTION_COMMIT_TYPE;
        const queueOffset = advances ? nextQueueOffset++ : 0;
        writeStoredMessage(message, { queueOffset, physicalOffset, storeTimestamp }, reserved.buffer, at, length);
        records[i] = {
          topic,
          queueId,
          queueOffset,
          physicalOffset,
          size: length,
          sysFlag: getInt32(reserved.buffer, at + 36),
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
    this.setQueueOffset(topic, queueId, nextQueueOffset);
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
      if (!this.roundEnding) {
        this.roundEnding = true;
        setImmediate(this.endRound);
      }
      this.unwritten.push({ records, resolve, wait, result });
    });
  }

  private setQueueOffset(topic: string, queueId: number, offset: number): void {
    let byId = this.queueOffsets.get(topic);
    if (!byId) this.queueOffsets.set(topic, (byId = []));
    byId[queueId] = offset;
  }

  private checkWritable(messages: readonly MessageToStore[]): PutMessageResult | undefined {
    if (!this.running) {
      return {
        status: 'SERVICE_NOT_AVAILABLE',
        error: 'the store is not running: start() it first, or it is shutting down',
      };
    }
    if (this.refusingWrites) return { status: 'SERVICE_NOT_AVAILABLE', error: this.refusingWrites };
    // A disk that stalls must not make appends pile up in memory without bound.
    const stalled = this.commitLog.writeMillis;
    if (stalled > this.config.osPageCacheBusyTimeOutMills) {
      return {
        status: 'OS_PAGECACHE_BUSY',
        error: `[PC_SYNCHRONIZED]broker busy, start flow control for a while: a CommitLog write has taken ${Math.round(stalled)} ms (osPageCacheBusyTimeOutMills ${this.config.osPageCacheBusyTimeOutMills})`,
      };
    }
    if (messages.length === 0) return illegal('no message to put');
    const { topic, queueId } = messages[0]!;
    // The topic names a directory of ConsumeQueues: the store keeps nothing it could not file.
    const topicProblem = topicNameProblem(topic);
    if (topicProblem) return illegal(topicProblem);
    for (const message of messages) {
      if (message.topic !== topic || message.queueId !== queueId) return illegal('a batch must go to one topic queue');
      if (message.body.length > this.config.maxMessageSize) {
        return illegal(
          `message body of ${message.body.length} bytes is over maxMessageSize ${this.config.maxMessageSize}; send smaller messages or raise maxMessageSize`,
        );
      }
      // A string of n UTF-16 units takes at most 3n bytes: most need no count.
      const { properties } = message;
      if (properties.length * 3 > MAX_PROPERTIES_LENGTH && Buffer.byteLength(properties) > MAX_PROPERTIES_LENGTH) {
        return { status: 'PROPERTIES_SIZE_EXCEEDED', error: `properties take over ${MAX_PROPERTIES_LENGTH} bytes` };
      }
    }
    return undefined;
  }

  /** End a round: what its puts appended goes to the page cache in one write. */
  private readonly endRound = (): void => {
    this.roundEnding = false;
    this.commitLog.write();
  };

  /** Bytes below offset reached the page cache: dispatch the puts they hold and answer them. */
  private written(offset: number): void {
    let count = 0;
    while (count < this.unwritten.length && endOf(this.unwritten[count]!) <= offset) count++;
    const puts = this.unwritten.splice(0, count);
    for (const put of puts) for (const record of put.records) this.dispatch(record);
    this.announceDispatched();
    this.dispatchedOffset = offset;
    if (puts.length > 0) this.writtenTimestamp = puts.at(-1)!.records[0]!.storeTimestamp;
    for (const put of puts) this.answer(put);
  }

  /** A write failed (a full disk): every put not yet written fails, and takes no queue offset. */
  private writeFailedFrom(error: Error): void {
    const failed = this.unwritten.splice(0);
    // Undo queue offsets newest first, so that each queue ends at its first lost message.
    for (let i = failed.length - 1; i >= 0; i--) {
      const first = failed[i]!.records[0]!;
      const type = transactionType(first.sysFlag);
      if (type === MessageSysFlag.TRANSACTION_NOT_TYPE || type === MessageSysFlag.TRANSACTION_COMMIT_TYPE) {
        this.setQueueOffset(first.topic, first.queueId, first.queueOffset);
      }
    }
    const result = this.writeFailed(error);
    for (const put of failed) put.resolve(result);
  }

  private writeFailed(error: Error): PutMessageResult {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOSPC' || code === 'EDQUOT'
        ? `the disk under ${this.config.storePathCommitLog} is full (${code}); free space or lower fileReservedTime, then retry`
        : `writing the CommitLog failed: ${error.message}`;
    this.logger.error(why);
    return { status: 'SERVICE_NOT_AVAILABLE', error: why };
  }

  private answer(put: PendingPut): void {
    if (!put.wait) {
      put.resolve(put.result);
      return;
    }
    const last = put.records.at(-1)!;
    const waiter: SyncWaiter = {
      endOffset: last.physicalOffset + last.size,
      put,
      timer: setTimeout(() => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
        put.resolve({
          ...put.result,
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
    const target = this.commitLog.readableOffset;
    const timestamp = this.writtenTimestamp;
    this.commitLog.flush().then(
      () => {
        this.syncFlushing = false;
        this.lastFlushedOffset = Math.max(this.lastFlushedOffset, target);
        this.checkpoint!.physicMsgTimestamp = Math.max(this.checkpoint!.physicMsgTimestamp, timestamp);
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

  private settleSyncWaiters(flushedTo: number): void {
    const still: SyncWaiter[] = [];
    for (const waiter of this.syncWaiters) {
      if (waiter.endOffset <= flushedTo) {
        clearTimeout(waiter.timer);
        waiter.put.resolve(waiter.put.result);
      } else still.push(waiter);
    }
    this.syncWaiters = still;
  }

  /** Add a record's ConsumeQueue entry and index keys (DispatchRequest). Repeats are ignored. */
  private dispatch(record: DispatchRecord): void {
    const type = transactionType(record.sysFlag);
    if (type === MessageSysFlag.TRANSACTION_NOT_TYPE || type === MessageSysFlag.TRANSACTION_COMMIT_TYPE) {
      const code = consumeQueueTagsCode(record.topic, record.properties, record.storeTimestamp, this.delayLevels);
      const queue = this.dispatchQueue(record.topic, record.queueId);
      queue?.put(record.queueOffset, record.physicalOffset, record.size, code);
      if (queue && this.listeners.length > 0) {
        this.arrivals.push({
          topic: record.topic,
          queueId: record.queueId,
          maxOffset: record.queueOffset + 1,
          tagsCode: code,
          storeTimestamp: record.storeTimestamp,
        });
      }
    }
    if (this.index && type !== MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) {
      const closed = this.index.put(
        record.topic,
        record.physicalOffset,
        record.storeTimestamp,
        indexKeys(record.properties),
      );
      if (closed) this.persistFull(closed);
    }
    this.lastDispatchedTimestamp = Math.max(this.lastDispatchedTimestamp, record.storeTimestamp);
  }

  /** Persist index files that filled up; the checkpoint's index time follows each. */
  private persistFull(closed: IndexFile[]): void {
    for (const file of closed) {
      const persisting = file.persist().then(
        () => {
          if (this.checkpoint)
            this.checkpoint.indexMsgTimestamp = Math.max(this.checkpoint.indexMsgTimestamp, file.header.endTimestamp);
        },
        (error: Error) => this.logger.error(`persisting full index file ${file.path} failed: ${error.message}`),
      );
      this.indexFilesPersisting.add(persisting);
      void persisting.finally(() => this.indexFilesPersisting.delete(persisting));
    }
  }

  /**
   * End a dispatch round. Entries stay in their queues' buffers (readable there) until those fill
   * or are flushed, so that a round costs no write per queue; listeners now hear of the messages.
   */
  private announceDispatched(): void {
    const arrivals = this.arrivals.splice(0);
    for (const arrival of arrivals) for (const listener of this.listeners) listener(arrival);
  }

  private consumeQueue(topic: string, queueId: number): ConsumeQueue {
    let queue = this.findConsumeQueue(topic, queueId);
    if (!queue) {
      // Throws for a topic that breaks the rules, before anything is kept of it.
      const dir = pathUnder(topicQueueDir(this.config.storePathRootDir, topic), String(queueId));
      queue = new ConsumeQueue(topic, queueId, dir, this.config.mappedFileSizeConsumeQueue);
      let byId = this.consumeQueues.get(topic);
      if (!byId) this.consumeQueues.set(topic, (byId = new Map()));
      byId.set(queueId, queue);
    }
    return queue;
  }

  /**
   * The ConsumeQueue a record goes to. A record whose topic breaks the rules (puts refuse them, so
   * one written by another program) gets none: it stays in the CommitLog, and is reported once.
   */
  private dispatchQueue(topic: string, queueId: number): ConsumeQueue | undefined {
    try {
      return this.consumeQueue(topic, queueId);
    } catch (error) {
      if (!(error instanceof StorePathError)) throw error;
      if (!this.unqueuedTopics.has(topic)) {
        this.unqueuedTopics.add(topic);
        this.logger.warn(`${error.message}; its records stay in the CommitLog without a ConsumeQueue`);
      }
      return undefined;
    }
  }

  private findConsumeQueue(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.consumeQueues.get(topic)?.get(queueId);
  }

  private allConsumeQueues(): ConsumeQueue[] {
    return [...this.consumeQueues.values()].flatMap((byId) => [...byId.values()]);
  }

  getMessage(
    topic: string,
    queueId: number,
    offset: number,
    maxMsgNums: number,
    filter?: MessageFilter,
  ): GetMessageResult {
    const queue = this.findConsumeQueue(topic, queueId);
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
    return readMessages(source, offset, this.readLimits(maxMsgNums), filter);
  }

  private readLimits(maxMsgNums: number): ReadLimits {
    return {
      maxMsgNums,
      maxBytes: this.config.maxTransferBytesOnMessageInMemory,
      maxCount: this.config.maxTransferCountOnMessageInMemory,
    };
  }

  getMaxOffsetInQueue(topic: string, queueId: number): number {
    return this.findConsumeQueue(topic, queueId)?.maxOffset ?? 0;
  }

  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.findConsumeQueue(topic, queueId)?.minOffset ?? 0;
  }

  getMessageStoreTimestamp(topic: string, queueId: number, offset: number): number {
    const entry = this.findConsumeQueue(topic, queueId)?.entry(offset);
    if (!entry || entry.size === BLANK_ENTRY_SIZE) return -1;
    return this.commitLog.storeTimestampAt(entry.commitLogOffset);
  }

  getEarliestMessageTime(topic: string, queueId: number): number {
    return this.getMessageStoreTimestamp(topic, queueId, this.getMinOffsetInQueue(topic, queueId));
  }

  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number, boundary?: TimeBoundary): number {
    const queue = this.findConsumeQueue(topic, queueId);
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
    const entry = this.findConsumeQueue(topic, queueId)?.entry(consumeOffset);
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

  getMinPhyOffset(): number {
    return this.commitLog.minOffset;
  }

  getMaxPhyOffset(): number {
    return this.commitLog.maxOffset;
  }

  /** Delete topics' ConsumeQueues; a name that breaks the rules throws before anything is deleted. */
  deleteTopics(topics: readonly string[]): void {
    const dirs = topics.map((topic) => topicQueueDir(this.config.storePathRootDir, topic));
    topics.forEach((topic, i) => {
      const byId = this.consumeQueues.get(topic);
      if (!byId) return;
      for (const queue of byId.values()) queue.destroy();
      this.queueOffsets.delete(topic);
      this.consumeQueues.delete(topic);
      rmSync(dirs[i]!, { recursive: true, force: true });
    });
  }

  queues(): Map<string, number[]> {
    return new Map([...this.consumeQueues].map(([topic, byId]) => [topic, [...byId.keys()].sort((a, b) => a - b)]));
  }

  onMessageArrival(listener: (arrival: MessageArrival) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Retention (CleanCommitLogService), run every cleanResourceInterval and callable directly:
   * refuse writes above diskSpaceWarningLevelRatio; at a deleteWhen hour, or when the disk is
   * above diskMaxUsedSpaceRatio, delete CommitLog segments older than fileReservedTime (above
   * the ratio, whatever their age), oldest first, never the newest, at most 10 a run; then move
   * the ConsumeQueues and the index after them. Returns the segments deleted.
   */
  cleanExpiredFiles(options: { force?: boolean } = {}): string[] {
    const usage = this.diskUsage(this.config.storePathCommitLog) * 100;
    if (usage >= this.config.diskSpaceWarningLevelRatio) {
      if (!this.refusingWrites)
        this.logger.error(
          `disk ${usage.toFixed(1)}% full: refusing writes until it is below ${this.config.diskSpaceWarningLevelRatio}%`,
        );
      this.refusingWrites = `the disk under ${this.config.storePathCommitLog} is ${usage.toFixed(1)}% full (limit diskSpaceWarningLevelRatio ${this.config.diskSpaceWarningLevelRatio}%): free space or lower fileReservedTime`;
    } else if (this.refusingWrites) {
      this.logger.info(`disk ${usage.toFixed(1)}% full: accepting writes again`);
      this.refusingWrites = undefined;
    }
    const hours = this.config.deleteWhen.split(';').map((h) => Number(h));
    const atDeleteHour = hours.includes(new Date(this.now()).getHours());
    const overRatio = usage > this.config.diskMaxUsedSpaceRatio;
    if (!options.force && !atDeleteHour && !overRatio) return [];
    const cutoff = this.now() - this.config.fileReservedTime * 3_600_000;
    const deleted = this.commitLog.file.deleteHead(
      (segment) => overRatio || statSync(segment.path).mtimeMs < cutoff,
      10,
    );
    if (deleted.length === 0) return [];
    const minOffset = this.commitLog.minOffset;
    for (const queue of this.allConsumeQueues()) queue.correctMinOffset(minOffset);
    this.index?.deleteBefore(minOffset);
    this.logger.info(`deleted ${deleted.length} CommitLog segment(s); the log now starts at ${minOffset}`);
    return deleted.map((segment) => segment.path);
  }
}

/** CommitLog offset after a put's records. */
function endOf(put: PendingPut): number {
  const last = put.records.at(-1)!;
  return last.physicalOffset + last.size;
}

function illegal(error: string): PutMessageResult {
  return { status: 'MESSAGE_ILLEGAL', error };
}

/**
 * The share of the disk in use at a path, as df's Use% counts it: used / (used + available to
 * unprivileged writers). Counting the filesystem's root reserve as used (1 - bavail / blocks)
 * read 68% on an empty disk with a large reserve here and had retention delete fresh segments;
 * RocketMQ's (total - free) / total ignores the reserve, so a non-root broker would hit ENOSPC
 * before it refused writes at diskSpaceWarningLevelRatio.
 */
export function diskUsedRatio(path: string): number {
  return diskSpace(path).usedRatio;
}

/** The disk at a path from one statfs: its size, the bytes an unprivileged writer has, and diskUsedRatio. */
export function diskSpace(path: string): { usedRatio: number; totalBytes: number; availableBytes: number } {
  const stats = statfsSync(existsSync(path) ? path : '/');
  const used = stats.blocks - stats.bfree;
  return {
    usedRatio: used + stats.bavail === 0 ? 0 : used / (used + stats.bavail),
    totalBytes: stats.blocks * stats.bsize,
    availableBytes: stats.bavail * stats.bsize,
  };
}
