import type { ConsumeQueueEntry } from './consume-queue.js';
import type { GetMessageResult, GetMessageStatus, MessageFilter } from './message-store.js';

/** Size of the blank entries that fill a ConsumeQueue gap; readers skip them. */
export const BLANK_ENTRY_SIZE = 0x7fffffff;

/** What a store offers a read of one queue. */
export interface QueueSource {
  minOffset: number;
  maxOffset: number;
  /** Up to count entries from a logical offset. */
  entries(offset: number, count: number): ConsumeQueueEntry[];
  /** CommitLog offsets below this are gone (deleted segments). */
  minPhysicalOffset: number;
  /**
   * Copy records that lie near each other in the CommitLog (in order, at most MAX_READ_GAP bytes
   * apart) into target at position, one after another; returns how many were copied whole,
   * from the first.
   */
  readRecords(run: readonly ConsumeQueueEntry[], target: Buffer, position: number): number;
}

export interface ReadLimits {
  maxMsgNums: number;
  maxBytes: number;
  maxCount: number;
}

/** ConsumeQueue entries a read looks at for matches at most (RocketMQ's 16,000 bytes of them). */
const MAX_ENTRIES_SCANNED = 800;

/**
 * Records this close in the CommitLog are read at once, the other queues' records between them
 * too: a read's system call costs about as much as copying a few more pages from the page
 * cache.
 */
export const MAX_READ_GAP = 16 * 1024;

/**
 * A pull's read of one queue (DefaultMessageStore.getMessage): the status for offsets out of
 * range, else up to maxMsgNums records matching the filter, within the batch limits, copied once
 * into one buffer; nextBeginOffset moves past every entry looked at.
 */
export function readMessages(
  queue: QueueSource | undefined,
  offset: number,
  limits: ReadLimits,
  filter: MessageFilter | undefined,
): GetMessageResult {
  const answer = (status: GetMessageStatus, nextBeginOffset: number, body = Buffer.alloc(0), messageCount = 0) => ({
    status,
    nextBeginOffset,
    minOffset: queue?.minOffset ?? 0,
    maxOffset: queue?.maxOffset ?? 0,
    body,
    messageCount,
  });
  if (!queue) return answer('NO_MATCHED_LOGIC_QUEUE', 0);
  const { minOffset, maxOffset } = queue;
  if (maxOffset === 0) return answer('NO_MESSAGE_IN_QUEUE', 0);
  if (offset < minOffset) return answer('OFFSET_TOO_SMALL', minOffset);
  if (offset === maxOffset) return answer('OFFSET_OVERFLOW_ONE', offset);
  if (offset > maxOffset) return answer('OFFSET_OVERFLOW_BADLY', minOffset === 0 ? minOffset : maxOffset);
  const chosen: ConsumeQueueEntry[] = [];
  let total = 0;
  let scanned = 0;
  let removed = false;
  // Entries are fetched as needed: maxMsgNums first, the rest of the scan only when the filter or
  // blanks left the first ones short (each fetch is a file read and an object per entry).
  const scanLimit = Math.max(MAX_ENTRIES_SCANNED, limits.maxMsgNums);
  let fetched = 0;
  scan: while (fetched < scanLimit && chosen.length < Math.min(limits.maxMsgNums, limits.maxCount)) {
    const want = fetched === 0 ? Math.min(scanLimit, limits.maxMsgNums) : scanLimit - fetched;
    const entries = queue.entries(offset + fetched, want);
    if (entries.length === 0 && fetched === 0) return answer('OFFSET_FOUND_NULL', offset + 1);
    fetched += entries.length;
    for (const entry of entries) {
      if (chosen.length >= limits.maxMsgNums) break scan;
      // The first message always goes, whatever its size.
      if (chosen.length > 0 && (total + entry.size > limits.maxBytes || chosen.length >= limits.maxCount)) break scan;
      scanned++;
      if (entry.size === BLANK_ENTRY_SIZE) continue;
      if (entry.commitLogOffset < queue.minPhysicalOffset) {
        removed = true;
        continue;
      }
      if (filter && !filter.isMatchedByConsumeQueue(entry.tagsCode)) continue;
      chosen.push(entry);
      total += entry.size;
    }
    if (entries.length < want) break;
  }
  const nextBeginOffset = offset + scanned;
  if (chosen.length === 0) return answer(removed ? 'MESSAGE_WAS_REMOVING' : 'NO_MATCHED_MESSAGE', nextBeginOffset);
  const body = Buffer.allocUnsafe(total);
  let filled = 0;
  let count = 0;
  for (let first = 0; first < chosen.length;) {
    const end = nearRunEnd(chosen, first);
    const run = chosen.slice(first, end);
    const copied = queue.readRecords(run, body, filled);
    let at = filled;
    for (let i = 0; i < run.length; i++) {
      const entry = run[i]!;
      const from = at;
      at += entry.size;
      // A run read short (data gone under it): the rest is read record by record, so that none
      // after a gap is dropped.
      if (i >= copied && queue.readRecords([entry], body, from) !== 1) continue;
      if (filter?.isMatchedByCommitLog && !filter.isMatchedByCommitLog(body.subarray(from, at))) continue;
      if (filled !== from) body.copyWithin(filled, from, at);
      filled += entry.size;
      count++;
    }
    first = end;
  }
  if (count === 0) return answer('NO_MATCHED_MESSAGE', nextBeginOffset);
  return answer('FOUND', nextBeginOffset, body.subarray(0, filled), count);
}

/**
 * Where the run of records from `first` ends: records near each other in the CommitLog (a batch,
 * or a producer's sends spread over a topic's queues) are read at once.
 */
function nearRunEnd(entries: readonly ConsumeQueueEntry[], first: number): number {
  let end = first + 1;
  for (; end < entries.length; end++) {
    const previous = entries[end - 1]!;
    const gap = entries[end]!.commitLogOffset - (previous.commitLogOffset + previous.size);
    if (gap < 0 || gap > MAX_READ_GAP) break;
  }
  return end;
}

/**
 * Which offset a time lookup answers: the message stored closest to the time (RocketMQ 4's
 * SEARCH_OFFSET_BY_TIMESTAMP), or the first stored at or after it (RocketMQ 5's lower
 * boundary; the queue's max offset when there is none), as a rewind to the millisecond needs.
 */
export type TimeBoundary = 'closest' | 'lower';

/**
 * The logical offset of the message stored closest to timestamp: an exact match, else the
 * nearer neighbour in time (the earlier on a tie); the first when all are later, the last when
 * all are earlier.
 */
export function offsetByTime(
  minOffset: number,
  maxOffset: number,
  timestamp: number,
  timeAt: (offset: number) => number,
  boundary: TimeBoundary = 'closest',
): number {
  if (maxOffset <= minOffset) return 0;
  let low = minOffset;
  let high = maxOffset;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (timeAt(mid) < timestamp) low = mid + 1;
    else high = mid;
  }
  if (boundary === 'lower' || low === minOffset || (low < maxOffset && timeAt(low) === timestamp)) return low;
  if (low === maxOffset) return low - 1;
  return timestamp - timeAt(low - 1) <= timeAt(low) - timestamp ? low - 1 : low;
}
