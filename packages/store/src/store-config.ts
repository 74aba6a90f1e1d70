import { DEFAULT_DELAY_LEVELS, parseDelayLevels, typedSettings } from '@rocketnest/common';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { maxPutBytes } from './put-rules.js';

export type FlushDiskType = 'ASYNC_FLUSH' | 'SYNC_FLUSH';

/** The store's settings, under RocketMQ's broker.conf names, with its defaults. */
export interface MessageStoreConfig {
  storePathRootDir: string;
  /** Default: <storePathRootDir>/commitlog. */
  storePathCommitLog: string;
  mappedFileSizeCommitLog: number;
  /** A multiple of 20, the size of a ConsumeQueue entry. */
  mappedFileSizeConsumeQueue: number;
  flushDiskType: FlushDiskType;
  flushIntervalCommitLog: number;
  flushCommitLogLeastPages: number;
  flushCommitLogThoroughInterval: number;
  flushIntervalConsumeQueue: number;
  syncFlushTimeout: number;
  /** A write to the page cache taking longer than this makes new puts answer OS_PAGECACHE_BUSY. */
  osPageCacheBusyTimeOutMills: number;
  /**
   * Where appended records are written to the page cache. false (RocketMQ's default): on the
   * event loop's thread, which costs least when the broker's cores are busy (with clients on the
   * same machine, say); after a write that took over 20 ms (a throttled disk) large rounds go to the pool for
   * a while, so that a stalled write is answered with OS_PAGECACHE_BUSY. true: rounds over 64 KiB
   * are always written by a thread of the pool while the event loop encodes the next ones, as
   * RocketMQ's commit thread does: faster when a core is free.
   */
  transientStorePoolEnable: boolean;
  /** Hours a CommitLog segment is kept. */
  fileReservedTime: number;
  /** Hours of the day (";"-separated) when expired segments are deleted. */
  deleteWhen: string;
  /** Percent of the disk above which segments are deleted whatever their age. */
  diskMaxUsedSpaceRatio: number;
  /** Percent of the disk above which the store refuses writes. */
  diskSpaceWarningLevelRatio: number;
  cleanResourceInterval: number;
  maxMessageSize: number;
  maxHashSlotNum: number;
  maxIndexNum: number;
  messageIndexEnable: boolean;
  checkCRCOnRecover: boolean;
  /** Entries read from a ConsumeQueue at most per pull (max(16000, maxMsgNums × 20) bytes in Java). */
  maxTransferBytesOnMessageInMemory: number;
  maxTransferCountOnMessageInMemory: number;
  /** Percent of RAM, back from the CommitLog's end, whose messages count as in the page cache. */
  accessMessageInMemoryMaxRatio: number;
  /** Delay of each level 1..n, as "1s 5s 10s 30s 1m ... 2h". */
  messageDelayLevel: string;
  /**
   * Keep delivery times (RocketMQ 5's TIMER_DELIVER_MS, TIMER_DELAY_MS, TIMER_DELAY_SEC). false:
   * such messages are delivered at once, as by RocketMQ 5 with its timer wheel off, and the
   * broker's config says so, so that our producers refuse them (or use a delay level) instead.
   */
  timerWheelEnable: boolean;
}

export function defaultStoreConfig(overrides: Partial<MessageStoreConfig> = {}): MessageStoreConfig {
  const storePathRootDir = overrides.storePathRootDir ?? join(homedir(), 'store');
  return {
    storePathRootDir,
    storePathCommitLog: join(storePathRootDir, 'commitlog'),
    mappedFileSizeCommitLog: 1024 * 1024 * 1024,
    mappedFileSizeConsumeQueue: 300_000 * 20,
    flushDiskType: 'ASYNC_FLUSH',
    flushIntervalCommitLog: 500,
    flushCommitLogLeastPages: 4,
    flushCommitLogThoroughInterval: 10_000,
    flushIntervalConsumeQueue: 1000,
    syncFlushTimeout: 5000,
    osPageCacheBusyTimeOutMills: 1000,
    transientStorePoolEnable: false,
    fileReservedTime: 72,
    deleteWhen: '04',
    diskMaxUsedSpaceRatio: 75,
    diskSpaceWarningLevelRatio: 90,
    cleanResourceInterval: 10_000,
    maxMessageSize: 4 * 1024 * 1024,
    maxHashSlotNum: 5_000_000,
    maxIndexNum: 20_000_000,
    messageIndexEnable: true,
    checkCRCOnRecover: true,
    maxTransferBytesOnMessageInMemory: 256 * 1024,
    maxTransferCountOnMessageInMemory: 32,
    accessMessageInMemoryMaxRatio: 40,
    messageDelayLevel: DEFAULT_DELAY_LEVELS,
    timerWheelEnable: true,
    ...overrides,
  };
}

/** RocketMQ before 4.9 spelled these with one p; 4.9 ignores the old names without a word. */
const OLD_SPELLINGS: Record<string, keyof MessageStoreConfig> = {
  mapedFileSizeCommitLog: 'mappedFileSizeCommitLog',
  mapedFileSizeConsumeQueue: 'mappedFileSizeConsumeQueue',
};

/** Every broker.conf key the store reads, the old one-p spellings included. */
export function storeConfigKeys(): string[] {
  return [...Object.keys(defaultStoreConfig()), ...Object.keys(OLD_SPELLINGS)];
}

/**
 * Read store settings from broker.conf properties. Unknown keys are left to the caller (the
 * broker owns most of broker.conf); a bad value throws naming the key and what it expects.
 * The old one-p spellings are accepted, with a warning, unless the new name is also set.
 */
export function storeConfigFromProperties(
  properties: Readonly<Record<string, string>>,
  warn: (message: string) => void,
): MessageStoreConfig {
  const defaults = defaultStoreConfig({
    ...(properties['storePathRootDir'] ? { storePathRootDir: properties['storePathRootDir'] } : {}),
  });
  const config: MessageStoreConfig = { ...defaults };
  const values: Record<string, string> = { ...properties };
  for (const [old, current] of Object.entries(OLD_SPELLINGS)) {
    if (values[old] === undefined) continue;
    if (values[current] === undefined) {
      warn(
        `broker.conf: "${old}" is the old spelling of "${current}"; RocketMQ 4.9 ignores it, RocketNest reads it. Rename it.`,
      );
      values[current] = values[old]!;
    } else {
      warn(`broker.conf: "${old}" is ignored because "${current}" is also set; remove the old spelling.`);
    }
  }
  Object.assign(config, typedSettings(defaults, values, 'broker.conf'));
  validateStoreConfig(config);
  if (maxPutBytes(config.maxMessageSize) > config.mappedFileSizeCommitLog) {
    // RocketMQ accepts this too; messages that do not fit a segment are then refused one by one.
    warn(
      `broker.conf: maxMessageSize ${config.maxMessageSize} (+64 KiB of headers) is larger than a CommitLog ` +
        `segment (mappedFileSizeCommitLog ${config.mappedFileSizeCommitLog}); larger messages will be refused`,
    );
  }
  return config;
}

/** Throw, naming the setting, when a combination of settings cannot work. */
export function validateStoreConfig(config: MessageStoreConfig): void {
  if (config.flushDiskType !== 'ASYNC_FLUSH' && config.flushDiskType !== 'SYNC_FLUSH') {
    throw new RangeError(`flushDiskType must be ASYNC_FLUSH or SYNC_FLUSH, got "${config.flushDiskType}"`);
  }
  if (config.mappedFileSizeConsumeQueue % 20 !== 0 || config.mappedFileSizeConsumeQueue < 20) {
    throw new RangeError(
      `mappedFileSizeConsumeQueue must be a positive multiple of 20, got ${config.mappedFileSizeConsumeQueue}`,
    );
  }
  if (config.mappedFileSizeCommitLog < 4096) {
    throw new RangeError(`mappedFileSizeCommitLog must be at least 4096, got ${config.mappedFileSizeCommitLog}`);
  }
  parseDelayLevels(config.messageDelayLevel);
  for (const hour of config.deleteWhen.split(';')) {
    if (!/^\d{1,2}$/.test(hour.trim()) || Number(hour) > 23) {
      throw new RangeError(`deleteWhen must be hours 0-23 separated by ';', got "${config.deleteWhen}"`);
    }
  }
}
