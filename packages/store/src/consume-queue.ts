import { getInt32, putInt32, readLong, writeLong } from '@rocketnest/protocol';
import { SegmentedFile } from './segmented-file.js';

/** Bytes of one ConsumeQueue entry: commit log offset int64, size int32, tags code int64. */
export const CQ_ENTRY_SIZE = 20;

/** One ConsumeQueue entry. */
export interface ConsumeQueueEntry {
  commitLogOffset: number;
  size: number;
  /** Java hash of the tag; for SCHEDULE_TOPIC_XXXX, the delivery time. */
  tagsCode: number;
}

/**
 * The index of one topic queue: entry n (logical offset n) at byte n × 20 across files of
 * mappedFileSizeConsumeQueue bytes. Entries are written by the dispatcher after their records
 * are in the CommitLog, so an entry never points past the log.
 */
export class ConsumeQueue {
  readonly file: SegmentedFile;
  /** Byte position of the first entry still valid (moves when old CommitLog segments go). */
  private minLogicByte = 0;
  /** Byte position after the last entry. */
  private endByte = 0;
  /** CommitLog offset after the record of the last entry: dispatch below it is a repeat. */
  maxPhysicOffset = -1;
  /**
   * Entries accepted but not yet written: readers take them from here. They reach the page cache
   * when the buffer fills, at a file's end, and on flush (a crash loses at most these, which
   * recovery rebuilds from the CommitLog).
   */
  private pending: Buffer | undefined;
  private pendingStart = 0;
  private pendingLength = 0;

  constructor(
    readonly topic: string,
    readonly queueId: number,
    dir: string,
    segmentSize: number,
  ) {
    this.file = new SegmentedFile(dir, segmentSize);
  }

  /** Smallest logical offset readable. */
  get minOffset(): number {
    return this.minLogicByte / CQ_ENTRY_SIZE;
  }

  /** The logical offset the next entry gets. */
  get maxOffset(): number {
    return this.endByte / CQ_ENTRY_SIZE;
  }

  /**
   * Open the files and find the end: walk entries from the third-last file until one that is
   * not valid (offset < 0 or size <= 0), as ConsumeQueue.recover does, and cut there.
   */
  load(): void {
    this.file.load();
    const segments = this.file.all;
    if (segments.length === 0) return;
    this.minLogicByte = segments[0]!.start;
    const from = Math.max(0, segments.length - 3);
    let end = segments[from]!.start;
    const buffer = Buffer.allocUnsafe(this.file.segmentSize);
    for (let i = from; i < segments.length; i++) {
      const segment = segments[i]!;
      const read = this.file.read(segment.start, this.file.segmentSize, buffer);
      let position = 0;
      for (; position + CQ_ENTRY_SIZE <= read; position += CQ_ENTRY_SIZE) {
        const offset = readLong(buffer, position);
        const size = getInt32(buffer, position + 8);
        if (offset < 0 || size <= 0) break;
        if (size !== 0x7fffffff) this.maxPhysicOffset = offset + size;
      }
      end = segment.start + position;
      if (position < this.file.segmentSize) break;
    }
    this.endByte = end;
    if (end < this.file.capacityEnd) this.file.truncate(end);
  }

  /**
   * Add the entry for logical offset queueOffset. A repeat (its record is at or below what this
   * queue already indexed, as after a restart) is ignored. A queue whose first entry is not at
   * 0 is filled up to it with blank entries, as ConsumeQueue.fillPreBlank does.
   */
  put(queueOffset: number, commitLogOffset: number, size: number, tagsCode: number): void {
    if (commitLogOffset + size <= this.maxPhysicOffset) return;
    const expected = queueOffset * CQ_ENTRY_SIZE;
    if (expected < this.endByte) return;
    // A gap (a queue recreated after its old files went, or entries lost with a crash) is
    // filled with blank entries, which readers skip, so that the file stays contiguous.
    if (expected > this.endByte) this.fillBlank(expected);
    this.append(commitLogOffset, size, tagsCode);
    this.maxPhysicOffset = commitLogOffset + size;
  }

  private fillBlank(untilByte: number): void {
    if (this.endByte === 0 && this.file.isEmpty) {
      // A new queue starts at the file holding its first entry.
      this.minLogicByte = untilByte;
      this.endByte = untilByte - (untilByte % this.file.segmentSize);
    }
    while (this.endByte < untilByte) this.append(0, 0x7fffffff, 0);
  }

  private append(commitLogOffset: number, size: number, tagsCode: number): void {
    if (!this.pending) {
      this.pending = Buffer.allocUnsafe(1024 * CQ_ENTRY_SIZE);
      this.pendingStart = this.endByte;
      this.pendingLength = 0;
    }
    const at = this.pendingLength;
    writeLong(this.pending, commitLogOffset, at);
    putInt32(this.pending, size, at + 8);
    writeLong(this.pending, tagsCode, at + 12);
    this.pendingLength += CQ_ENTRY_SIZE;
    this.endByte += CQ_ENTRY_SIZE;
    // A write never crosses a file end, and the buffer never overflows.
    if (this.endByte % this.file.segmentSize === 0 || this.pendingLength === this.pending.length) this.writePending();
  }

  /** Write the entries accepted since the last call to the page cache. */
  writePending(): void {
    if (!this.pending || this.pendingLength === 0) return;
    this.file.write(this.pendingStart, this.pending.subarray(0, this.pendingLength));
    this.pending = undefined;
    this.pendingLength = 0;
  }

  /**
   * Read up to count entries from logical offset, as raw 20-byte entries: written ones from the
   * files, the newest from the pending buffer.
   */
  read(offset: number, count: number): Buffer {
    const start = Math.max(offset, this.minOffset) * CQ_ENTRY_SIZE;
    const end = Math.min(this.endByte, start + count * CQ_ENTRY_SIZE);
    if (end <= start) return Buffer.alloc(0);
    const pendingFrom = this.pending ? this.pendingStart : this.endByte;
    if (start >= pendingFrom) return this.pending!.subarray(start - pendingFrom, end - pendingFrom);
    const buffer = Buffer.allocUnsafe(end - start);
    const fileEnd = Math.min(end, pendingFrom);
    const read = this.file.read(start, fileEnd - start, buffer);
    if (read < fileEnd - start) return buffer.subarray(0, read - (read % CQ_ENTRY_SIZE));
    if (end > pendingFrom) this.pending!.copy(buffer, fileEnd - start, 0, end - pendingFrom);
    return buffer;
  }

  /** The entry at logical offset, or undefined when there is none. */
  entry(offset: number): ConsumeQueueEntry | undefined {
    const bytes = this.read(offset, 1);
    if (bytes.length < CQ_ENTRY_SIZE || offset < this.minOffset) return undefined;
    return entryAt(bytes, 0);
  }

  /** Drop entries whose record starts at or beyond commitLogEnd (the CommitLog was cut there). */
  truncateAfter(commitLogEnd: number): void {
    this.writePending();
    let end = this.endByte;
    while (end > this.minLogicByte) {
      const entry = this.entryBytesAt(end - CQ_ENTRY_SIZE);
      if (entry.commitLogOffset < commitLogEnd || entry.size === 0x7fffffff) break;
      end -= CQ_ENTRY_SIZE;
    }
    if (end === this.endByte) return;
    this.endByte = end;
    this.file.truncate(end);
    const last = end > this.minLogicByte ? this.entryBytesAt(end - CQ_ENTRY_SIZE) : undefined;
    this.maxPhysicOffset = last ? last.commitLogOffset + last.size : -1;
  }

  /**
   * After CommitLog segments were deleted: drop files whose last entry points below the new
   * CommitLog start (never the last file), and move the min offset to the first entry at or
   * after it.
   */
  correctMinOffset(commitLogMinOffset: number): void {
    this.writePending();
    this.file.deleteHead((segment) => {
      const last = this.entryBytesAt(segment.start + this.file.segmentSize - CQ_ENTRY_SIZE);
      return last.commitLogOffset + last.size <= commitLogMinOffset;
    });
    let low = Math.max(this.minLogicByte, this.file.minOffset);
    let high = this.endByte;
    // Entries are ordered by commit log offset: binary search the first one still kept.
    while (low < high) {
      const mid = low + Math.floor((high - low) / CQ_ENTRY_SIZE / 2) * CQ_ENTRY_SIZE;
      const entry = this.entryBytesAt(mid);
      if (entry.size !== 0x7fffffff && entry.commitLogOffset >= commitLogMinOffset) high = mid;
      else low = mid + CQ_ENTRY_SIZE;
    }
    this.minLogicByte = low;
  }

  private entryBytesAt(byte: number): ConsumeQueueEntry {
    const buffer = Buffer.allocUnsafe(CQ_ENTRY_SIZE);
    this.file.read(byte, CQ_ENTRY_SIZE, buffer);
    return entryAt(buffer, 0);
  }

  flush(): Promise<void> {
    this.writePending();
    return this.file.flush();
  }

  /** After a crash: entries written before it may be in the page cache only; fsync them all next flush. */
  markUnflushed(): void {
    this.file.markDirtyFrom(0);
  }

  destroy(): void {
    this.file.destroy();
  }

  /** Write what is pending and close; the file is closed even when the write fails (a full disk). */
  close(): void {
    try {
      this.writePending();
    } finally {
      this.file.close();
    }
  }
}

export function entryAt(buffer: Buffer, at: number): ConsumeQueueEntry {
  return {
    commitLogOffset: readLong(buffer, at),
    size: getInt32(buffer, at + 8),
    tagsCode: readLong(buffer, at + 12),
  };
}
