import { type Logger } from '@rocketnest/common';
import type { StoreCheckpoint } from './checkpoint.js';
import type { CommitLog } from './commit-log.js';
import { firstStoreTimestamp, scanRecords } from './commit-log-scan.js';
import type { CommitLogDispatcher } from './commit-log-dispatcher.js';
import type { ConsumeQueueTable } from './consume-queue-table.js';
import type { IndexService } from './index-service.js';
import { maxPutBytes } from './put-rules.js';
import type { MessageStoreConfig } from './store-config.js';

/** What recovery reads and repairs. */
export interface RecoveredFiles {
  readonly commitLog: CommitLog;
  readonly queues: ConsumeQueueTable;
  readonly index: IndexService | undefined;
  readonly checkpoint: StoreCheckpoint;
  readonly dispatcher: CommitLogDispatcher;
}

/** Where the recovered CommitLog ends, and up to where it is known to be on disk. */
export interface Recovered {
  end: number;
  flushedOffset: number;
}

/**
 * Crash recovery (DefaultMessageStore.recover): find where the CommitLog's valid data ends, cut
 * the ConsumeQueues back to it, and dispatch what they and the index lack.
 */
export function recoverStore(
  files: RecoveredFiles,
  abnormal: boolean,
  hadConsumeQueues: boolean,
  config: MessageStoreConfig,
  logger: Logger,
): Recovered {
  const { commitLog, queues, dispatcher } = files;
  const maxRecordSize = maxPutBytes(config.maxMessageSize);
  const recovered = abnormal ? recoverAbnormally(files, config, logger) : recoverNormally(files, config);
  const end = recovered.end;
  commitLog.setEnd(end);
  for (const queue of queues.all()) {
    if (queue.maxPhysicOffset >= end) queue.truncateAfter(end);
  }
  if (commitLog.file.isEmpty) for (const queue of queues.all()) queue.truncateAfter(0);
  // Catch the ConsumeQueues and the index up with the log (missing or behind after a crash).
  let reputFrom = commitLog.minOffset;
  if (hadConsumeQueues) {
    for (const queue of queues.all()) reputFrom = Math.max(reputFrom, queue.maxPhysicOffset);
  }
  if (reputFrom < end) {
    const { count } = redispatch(files, reputFrom, false, maxRecordSize);
    logger.info(`dispatched ${count} records from ${reputFrom} to ${end} into ConsumeQueues and index`);
  }
  dispatcher.roundEnd(end);
  for (const queue of queues.all()) {
    queue.correctMinOffset(commitLog.minOffset);
    queues.setNextOffset(queue.topic, queue.queueId, queue.maxOffset);
  }
  return recovered;
}

/**
 * After a clean shutdown: walk the log from the checkpoint's safe offset (without one, from
 * the last three segments, as RocketMQ does) and stop at the first record that is not valid.
 * Nothing needs dispatching.
 */
function recoverNormally(files: RecoveredFiles, config: MessageStoreConfig): Recovered {
  const segments = files.commitLog.file.all;
  if (segments.length === 0) return { end: 0, flushedOffset: 0 };
  const from = safeOffset(files) ?? segments[Math.max(0, segments.length - 3)]!.start;
  const end = scanRecords(
    files.commitLog.file,
    from,
    config.checkCRCOnRecover,
    () => {},
    maxPutBytes(config.maxMessageSize),
  );
  return { end, flushedOffset: end };
}

/** The checkpoint's safe offset when it lies within the CommitLog, else undefined. */
function safeOffset({ checkpoint, commitLog }: RecoveredFiles): number | undefined {
  const safe = checkpoint.safeOffset;
  const file = commitLog.file;
  if (safe === undefined || safe < file.minOffset || safe > file.capacityEnd) return undefined;
  return safe;
}

/**
 * After a crash: start at the checkpoint's safe offset, or without one at the newest segment
 * whose first message is older than what the checkpoint says is durable everywhere; keep every
 * record whose length and CRC are valid, dispatch each (repeats are ignored), and cut the
 * torn tail.
 */
function recoverAbnormally(files: RecoveredFiles, config: MessageStoreConfig, logger: Logger): Recovered {
  const { commitLog, checkpoint, index, queues } = files;
  const segments = commitLog.file.all;
  if (segments.length === 0) return { end: 0, flushedOffset: 0 };
  const safeTime = index ? Math.min(checkpoint.minTimestamp, checkpoint.indexMsgTimestamp) : checkpoint.minTimestamp;
  const safe = safeOffset(files);
  // Index files deleted at load (newer than the checkpoint) are rebuilt from where they began.
  let from = safe === undefined ? segments[0]!.start : Math.min(safe, index?.rebuildFrom ?? safe);
  for (let i = segments.length - 1; i >= 0 && safe === undefined; i--) {
    const first = firstStoreTimestamp(commitLog.file, segments[i]!.start);
    if (first !== 0 && first <= safeTime) {
      from = segments[i]!.start;
      break;
    }
  }
  const { end, count } = redispatch(files, from, config.checkCRCOnRecover, maxPutBytes(config.maxMessageSize));
  logger.warn(`unclean shutdown: recovered ${count} records from CommitLog offset ${from}, data ends at ${end}`);
  // What the crashed process wrote may sit in the page cache only: the next flushes fsync it
  // before the checkpoint calls any of it safe.
  commitLog.file.markDirtyFrom(from);
  for (const queue of queues.all()) queue.markUnflushed();
  return { end, flushedOffset: from };
}

/** Dispatch every valid record from `from`: where the valid data ends, and how many there were. */
function redispatch(
  { commitLog, dispatcher }: RecoveredFiles,
  from: number,
  checkCrc: boolean,
  maxRecordSize: number,
): { end: number; count: number } {
  let count = 0;
  const end = scanRecords(
    commitLog.file,
    from,
    checkCrc,
    (record) => {
      dispatcher.redispatch(record);
      count++;
    },
    maxRecordSize,
  );
  return { end, count };
}
