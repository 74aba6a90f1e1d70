import type { ConsumeQueueEntry } from './consume-queue.js';
import type { MessageToStore } from '@rocketnest/protocol';
import type { TimeBoundary } from './queue-reader.js';

/** How a put ended (PutMessageStatus). */
export type PutMessageStatus =
  | 'PUT_OK'
  | 'FLUSH_DISK_TIMEOUT'
  /** SYNC_MASTER: stored, but no slave acknowledged it in time, or none is there to. */
  | 'FLUSH_SLAVE_TIMEOUT'
  | 'SLAVE_NOT_AVAILABLE'
  | 'SERVICE_NOT_AVAILABLE'
  | 'MESSAGE_ILLEGAL'
  | 'PROPERTIES_SIZE_EXCEEDED'
  /** The page cache takes too long: the disk is slow; the client should back off and retry. */
  | 'OS_PAGECACHE_BUSY'
  | 'UNKNOWN_ERROR';

/** Where a put landed. For a batch, the first message's offsets and every message's id. */
export interface AppendMessageResult {
  wroteOffset: number;
  wroteBytes: number;
  /** Offset message ids, comma-joined for a batch. */
  msgId: string;
  queueOffset: number;
  storeTimestamp: number;
  msgNum: number;
}

export interface PutMessageResult {
  status: PutMessageStatus;
  /** Present when the message is stored (PUT_OK, and the timeouts and SLAVE_NOT_AVAILABLE). */
  appendResult?: AppendMessageResult | undefined;
  /** What went wrong and what to do, when the status is not PUT_OK. */
  error?: string | undefined;
}

/** How a read ended (GetMessageStatus); the broker maps it to a pull response code. */
export type GetMessageStatus =
  | 'FOUND'
  | 'NO_MATCHED_MESSAGE'
  | 'MESSAGE_WAS_REMOVING'
  | 'OFFSET_FOUND_NULL'
  | 'OFFSET_OVERFLOW_BADLY'
  | 'OFFSET_OVERFLOW_ONE'
  | 'OFFSET_TOO_SMALL'
  | 'NO_MATCHED_LOGIC_QUEUE'
  | 'NO_MESSAGE_IN_QUEUE';

export interface GetMessageResult {
  status: GetMessageStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  /** The records found, end to end, exactly as stored: a pull response body. */
  body: Buffer;
  messageCount: number;
}

/** Which messages a read returns: by tag code first, then (optionally) by the record itself. */
export interface MessageFilter {
  isMatchedByConsumeQueue(tagsCode: number): boolean;
  isMatchedByCommitLog?(record: Buffer): boolean;
}

export interface QueryMessageResult {
  /** Whole records, oldest first. */
  messages: Buffer[];
  indexLastUpdateTimestamp: number;
  indexLastUpdatePhyoffset: number;
}

/** A message became readable in a queue: what long polling waits for. */
export interface MessageArrival {
  topic: string;
  queueId: number;
  /** The queue's max offset after it. */
  maxOffset: number;
  tagsCode: number;
  storeTimestamp: number;
}

/** The store as the broker sees it: the file store and the in-memory store both implement it. */
export interface MessageStore {
  start(): Promise<void>;
  shutdown(): Promise<void>;
  /** Append one message. */
  putMessage(message: MessageToStore): Promise<PutMessageResult>;
  /** Append messages of one topic queue contiguously, with consecutive queue offsets. */
  putMessages(messages: readonly MessageToStore[]): Promise<PutMessageResult>;
  /** Read up to maxMsgNums messages of a queue from a logical offset. */
  getMessage(
    topic: string,
    queueId: number,
    offset: number,
    maxMsgNums: number,
    filter?: MessageFilter,
  ): GetMessageResult;
  getMaxOffsetInQueue(topic: string, queueId: number): number;
  getMinOffsetInQueue(topic: string, queueId: number): number;
  /** Up to count ConsumeQueue entries of a queue from a logical offset (QUERY_CONSUME_QUEUE). */
  consumeQueueEntries(topic: string, queueId: number, offset: number, count: number): ConsumeQueueEntry[];
  /** The logical offset of the message stored closest to timestamp, or first at or after it (0 when the queue is missing). */
  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number, boundary?: TimeBoundary): number;
  /** Store time of the message at the queue's min offset, or -1. */
  getEarliestMessageTime(topic: string, queueId: number): number;
  /** Store time of the message at a logical offset, or -1. */
  getMessageStoreTimestamp(topic: string, queueId: number, offset: number): number;
  /**
   * Is the message at a logical offset further behind the CommitLog's end than the share of RAM
   * counted as page cache (accessMessageInMemoryMaxRatio)? False when there is no such message.
   */
  checkInDiskByConsumeOffset(topic: string, queueId: number, consumeOffset: number): boolean;
  /** The record at a CommitLog offset (VIEW_MESSAGE_BY_ID). */
  lookMessageByOffset(physicalOffset: number): Buffer | undefined;
  /** Records whose key (or UNIQ_KEY) hashes like topic#key, stored within [begin, end]. */
  queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): QueryMessageResult;
  getMinPhyOffset(): number;
  getMaxPhyOffset(): number;
  /** CommitLog bytes appended and not yet flushed to disk (0 for a store without files). */
  readonly flushBehindBytes: number;
  /** Forget a topic's queues and their files. */
  deleteTopics(topics: readonly string[]): void;
  /** Queue ids that have a ConsumeQueue, per topic. */
  queues(): Map<string, number[]>;
  /** Call listener whenever messages become readable. */
  onMessageArrival(listener: (arrival: MessageArrival) => void): void;
  /**
   * Run retention now; force: delete the segments past fileReservedTime whatever the hour (the
   * file store only). Returns the segments deleted.
   */
  cleanExpiredFiles?(options: { force?: boolean }): string[];
  /** Call listener whenever retention deletes CommitLog segments (the file store only). */
  onRetention?(listener: (report: RetentionReport) => void): void;
  /** Replication, master side: CommitLog bytes from offset (the file store only). */
  readReplica?(offset: number, maxBytes: number): Buffer;
  /** Replication, slave side: a master's bytes appended at the same offset (the file store only). */
  appendReplica?(offset: number, data: Buffer): Promise<void>;
  /** A slave becoming a master: its log ends after the last whole record replicated. */
  endReplication?(): Promise<number>;
}

/** What a retention run deleted, and why (CleanCommitLogService's rules). */
export interface RetentionReport {
  /** The CommitLog segments deleted, oldest first. */
  segments: string[];
  /**
   * expired: older than fileReservedTime at a deleteWhen hour; disk: the disk was above
   * diskMaxUsedSpaceRatio, so the oldest went whatever their age; forced: asked for.
   */
  reason: 'expired' | 'disk' | 'forced';
  /** The disk's use when the run began, in percent. */
  diskUsedPercent: number;
  /** Where the CommitLog starts now. */
  minOffset: number;
}
