import { type Logger } from '@rocketnest/common';
import { existsSync, statfsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { CommitLog } from './commit-log.js';
import type { ConsumeQueueTable } from './consume-queue-table.js';
import type { IndexService } from './index-service.js';
import type { RetentionReport } from './message-store.js';
import type { MessageStoreConfig } from './store-config.js';

/**
 * Retention (CleanCommitLogService and CleanConsumeQueueService): refuse writes above
 * diskSpaceWarningLevelRatio; at a deleteWhen hour, or when the disk is above
 * diskMaxUsedSpaceRatio, delete CommitLog segments older than fileReservedTime (above the
 * ratio, whatever their age), oldest first, never the newest, at most 10 a run; then move the
 * ConsumeQueues and the index after them.
 */
export class CleanService {
  /** Why writes are refused (the disk is too full), or undefined while they are taken. */
  refusingWrites: string | undefined;
  readonly listeners: ((report: RetentionReport) => void)[] = [];

  constructor(
    private readonly files: {
      readonly commitLog: CommitLog;
      readonly queues: ConsumeQueueTable;
      readonly index: IndexService | undefined;
    },
    private readonly config: MessageStoreConfig,
    private readonly diskUsage: (path: string) => number,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  /** One run; returns the paths of the segments deleted. */
  clean(options: { force?: boolean } = {}): string[] {
    const usage = this.checkSpace();
    const deleted = this.deleteSegments(usage, options.force === true);
    // What was deleted may have made room: take writes again at once, not at the next run.
    if (deleted.length > 0 && this.refusingWrites) this.checkSpace();
    return deleted;
  }

  /** The disk's use in percent; refuse writes above diskSpaceWarningLevelRatio, take them again below. */
  private checkSpace(): number {
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
    return usage;
  }

  private deleteSegments(usage: number, force: boolean): string[] {
    const hours = this.config.deleteWhen.split(';').map((h) => Number(h));
    const atDeleteHour = hours.includes(new Date(this.now()).getHours());
    const overRatio = usage > this.config.diskMaxUsedSpaceRatio;
    if (!force && !atDeleteHour && !overRatio) return [];
    const cutoff = this.now() - this.config.fileReservedTime * 3_600_000;
    const { commitLog, queues, index } = this.files;
    const deleted = commitLog.file.deleteHead((segment) => overRatio || statSync(segment.path).mtimeMs < cutoff, 10);
    if (deleted.length === 0) return [];
    const minOffset = commitLog.minOffset;
    for (const queue of queues.all()) queue.correctMinOffset(minOffset);
    index?.deleteBefore(minOffset);
    const report: RetentionReport = {
      segments: deleted.map((segment) => segment.path),
      reason: force ? 'forced' : overRatio ? 'disk' : 'expired',
      diskUsedPercent: usage,
      minOffset,
    };
    const why = {
      forced: 'as asked',
      disk: `the disk was ${usage.toFixed(1)}% full, above diskMaxUsedSpaceRatio ${this.config.diskMaxUsedSpaceRatio}%, so the oldest went whatever their age`,
      expired: `older than fileReservedTime ${this.config.fileReservedTime} h at a deleteWhen hour (${this.config.deleteWhen})`,
    }[report.reason];
    this.logger.warn(
      `retention deleted ${deleted.length} CommitLog segment(s) (${report.segments.map((path) => basename(path)).join(', ')}): ${why}; the log now starts at ${minOffset}`,
    );
    for (const listener of this.listeners) listener(report);
    return report.segments;
  }
}

/**
 * The share of the disk in use at a path, as df's Use% counts it: used / (used + available to
 * unprivileged writers). Counting the filesystem's root reserve as used (1 - bavail / blocks)
 * makes a disk with a large reserve look full while it is empty, and retention would delete
 * fresh segments; RocketMQ's (total - free) / total ignores the reserve, so a non-root broker
 * would hit ENOSPC before it refused writes at diskSpaceWarningLevelRatio.
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
