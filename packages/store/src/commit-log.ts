import {
  BLANK_MAGIC_CODE,
  checkStoredMessage,
  getInt32,
  putInt32,
  readStoreTimestamp,
  STORE_TIMESTAMP_END,
} from '@rocketnest/protocol';
import { MAX_READ_GAP } from './queue-reader.js';
import { SegmentedFile, type FileWriter } from './segmented-file.js';

const SLAB_SIZE = 1024 * 1024;
/**
 * Writes up to this size stay on the event loop's thread whatever the mode: copying 64 KiB to the
 * page cache takes tens of microseconds, about what a hand-over to the pool and back costs. At
 * 16 KiB, 16 appenders of 1 KiB made rounds just over it, and on the pool they spent more on
 * thread switches than on the copy (137k appends/s against 308k here).
 */
const WRITE_HERE_BYTES = 64 * 1024;
/** A write to the page cache that takes longer shows a throttled disk: later ones go to the pool. */
const SLOW_WRITE_MS = 20;
/** For this long after a slow write. */
const POOL_AFTER_SLOW_WRITE_MS = 10_000;
/**
 * Bytes of the newest written records kept in memory for reads. Consumers that keep up read what
 * was written a moment ago: from here a pull costs a copy per record and no system call, where a
 * read of the file costs one pread per record, and a pread of a page being written back can
 * hold the event loop for milliseconds.
 */
const RECENT_BYTES = 8 * 1024 * 1024;

/** Bytes cut from the slab, waiting for their turn to be written. */
interface Chunk {
  start: number;
  data: Buffer;
}

/** What the CommitLog tells its owner about writes to the page cache. */
export interface WriteListener {
  /** Every byte below offset is in the page cache. */
  written(offset: number): void;
  /** Writing at from failed: nothing from there on counts, and appends continue from it. */
  failed(from: number, error: Error): void;
}

/**
 * The CommitLog: one append-only log of every record, in segments of mappedFileSizeCommitLog
 * bytes. A record never spans segments; when the next one does not fit (with 8 bytes to
 * spare) an END_FILE blank fills the tail. Appends are encoded into a slab; write() takes
 * what accumulated to the page cache in one write (one at a time, so that a failed write has
 * nothing after it on disk), on this thread or on a thread of the pool while the event loop
 * encodes the next records. The store's flush policy then takes the bytes to disk.
 */
export class CommitLog {
  readonly file: SegmentedFile;
  /** Physical offset the next record gets. */
  private writeOffset = 0;
  /** Physical offset up to which bytes are in the page cache. */
  private writtenOffset = 0;
  private slab: Buffer | undefined;
  private slabStart = 0;
  private slabLength = 0;
  private readonly chunks: Chunk[] = [];
  /** The chunks of the write under way. */
  private writingChunks: Chunk[] = [];
  /**
   * The newest written bytes, oldest first, in contiguous runs: chunks cut one after another from
   * one slab join into one run, so a few runs of about a slab each hold RECENT_BYTES.
   */
  private readonly recent: Chunk[] = [];
  /** Where the bytes between records read together land (readRecordsInto). */
  private readonly gapScratch = Buffer.allocUnsafe(MAX_READ_GAP);
  private recentBytes = 0;
  /**
   * Slabs whose records left the recent runs, for the next records. Slabs are reused rather than
   * allocated: kept for RECENT_BYTES, a slab lives long enough to reach the old generation, and
   * 1 MiB ArrayBuffers freed there only by full collections make V8 run them often, at a cost to
   * throughput and memory.
   */
  private readonly spareSlabs: Buffer[] = [];
  private writing = false;
  /** When the write under way began (performance.now()). */
  private writeStartedAt = 0;
  private idle: (() => void)[] = [];
  /** Until when (performance.now()) large rounds go to the pool after a slow write here. */
  private poolUntil = 0;

  /** writeOnPool: rounds over 64 KiB always go to the pool (transientStorePoolEnable). */
  constructor(
    dir: string,
    readonly segmentSize: number,
    private readonly listener: WriteListener,
    writer?: FileWriter,
    private readonly writeOnPool = false,
  ) {
    this.file = new SegmentedFile(dir, segmentSize, writer);
  }

  load(): void {
    this.file.load();
  }

  get minOffset(): number {
    return this.file.isEmpty ? 0 : this.file.minOffset;
  }

  /** Offset after the last appended record (readable once written). */
  get maxOffset(): number {
    return this.writeOffset;
  }

  /** Do large rounds go to a thread of the pool now (else they are written on this thread)? */
  get writesOnPool(): boolean {
    return this.writeOnPool || performance.now() < this.poolUntil;
  }

  /** Bytes appended and not yet handed to a write. */
  get unwrittenBytes(): number {
    return this.writeOffset - this.writtenOffset;
  }

  /** Offset up to which data is in the page cache and may be read. */
  get readableOffset(): number {
    return this.writtenOffset;
  }

  /** Set where data ends after recovery: everything beyond is dropped and zeroed. */
  setEnd(offset: number): void {
    this.recent.length = this.recentBytes = 0;
    this.file.truncate(offset);
    this.writeOffset = this.writtenOffset = offset;
  }

  /**
   * Reserve room for `length` bytes of records, writing the END_FILE blank first when they would
   * not fit the current segment with 8 bytes to spare. Returns the physical offset they start at
   * and the buffer and position to encode them into.
   */
  reserve(length: number): { physicalOffset: number; buffer: Buffer; at: number } {
    const position = this.writeOffset % this.segmentSize;
    if (position + length + 8 > this.segmentSize) {
      const remaining = this.segmentSize - position;
      const blank = this.room(8);
      putInt32(blank.buffer, remaining, blank.at);
      putInt32(blank.buffer, BLANK_MAGIC_CODE, blank.at + 4);
      this.slabLength += 8;
      // The rest of the segment stays as it is (zeros); the next record starts a new segment, in
      // a chunk of its own: with exactly 8 bytes left it would otherwise continue this one across
      // the segment's end, which no write may cross.
      this.cut();
      this.writeOffset += remaining;
    }
    const physicalOffset = this.writeOffset;
    const { buffer, at } = this.room(length);
    this.slabLength += length;
    this.writeOffset += length;
    return { physicalOffset, buffer, at };
  }

  /**
   * Append bytes a master wrote at this same offset (replication): they go in as they are, their
   * END_FILE blank included, so that this log stays byte for byte the master's. They must not
   * cross a segment's end, which the master's chunks never do.
   */
  appendRaw(data: Buffer): void {
    const position = this.writeOffset % this.segmentSize;
    if (position + data.length > this.segmentSize) {
      throw new RangeError(
        `${data.length} replicated bytes at ${this.writeOffset} would cross the end of a ${this.segmentSize}-byte segment: the master's mappedFileSizeCommitLog must equal this broker's`,
      );
    }
    const { buffer, at } = this.room(data.length);
    data.copy(buffer, at);
    this.slabLength += data.length;
    this.writeOffset += data.length;
  }

  /** Undo the last reservation (its encoding failed). */
  unreserve(length: number): void {
    this.slabLength -= length;
    this.writeOffset -= length;
  }

  private room(length: number): { buffer: Buffer; at: number } {
    const slab = this.slab;
    if (slab && this.slabStart + this.slabLength === this.writeOffset && slab.length - this.slabLength >= length) {
      return { buffer: slab, at: this.slabLength };
    }
    this.cut();
    this.slab =
      length <= SLAB_SIZE ? (this.spareSlabs.pop() ?? Buffer.allocUnsafe(SLAB_SIZE)) : Buffer.allocUnsafe(length);
    this.slabStart = this.writeOffset;
    this.slabLength = 0;
    return { buffer: this.slab, at: 0 };
  }

  /** Queue the slab's records for writing; the rest of the slab serves the next records. */
  private cut(): void {
    if (!this.slab || this.slabLength === 0) return;
    this.chunks.push({ start: this.slabStart, data: this.slab.subarray(0, this.slabLength) });
    this.slab = this.slab.subarray(this.slabLength);
    this.slabStart += this.slabLength;
    this.slabLength = 0;
    if (this.slab.length < 4096) this.slab = undefined;
  }

  /**
   * Start writing what was appended, unless a write is under way: then what accumulates meanwhile
   * goes in one write when it ends. One write takes every queued chunk that continues the first
   * in its segment.
   */
  write(): void {
    if (this.writing) return;
    this.cut();
    if (this.chunks.length === 0) {
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    const start = this.chunks[0]!.start;
    const buffers: Buffer[] = [];
    let end = start;
    while (
      this.chunks.length > 0 &&
      this.chunks[0]!.start === end &&
      (buffers.length === 0 || end % this.segmentSize !== 0)
    ) {
      const chunk = this.chunks.shift()!;
      this.writingChunks.push(chunk);
      buffers.push(chunk.data);
      end += chunk.data.length;
    }
    // A few KiB are written on this thread, sooner than a hand-over to the pool and back (a
    // lone appender waits for each round). Larger rounds too, unless the pool is asked for or
    // the disk was slow of late: a hand-over costs two thread switches, which a busy machine
    // pays for in throughput, while a stall on the pool leaves this thread free to refuse puts.
    const startedAt = performance.now();
    const here = end - start <= WRITE_HERE_BYTES || !this.writesOnPool;
    this.writing = true;
    this.writeStartedAt = startedAt;
    this.file.writeBuffers(start, buffers, here).then(
      () => {
        if (here && performance.now() - startedAt > SLOW_WRITE_MS)
          this.poolUntil = performance.now() + POOL_AFTER_SLOW_WRITE_MS;
        this.wrote(end);
      },
      (error: Error) => this.failed(start, error),
    );
  }

  private wrote(end: number): void {
    this.writing = false;
    this.keepRecent(this.writingChunks);
    this.writingChunks = [];
    this.writtenOffset = end;
    this.listener.written(end);
    this.write();
  }

  private failed(start: number, error: Error): void {
    this.writing = false;
    this.writingChunks = [];
    // Nothing from here on reached the page cache: drop it and append from here again.
    this.chunks.length = 0;
    this.slab = undefined;
    this.slabLength = 0;
    this.writeOffset = start;
    this.listener.failed(start, error);
    this.write();
  }

  private keepRecent(written: readonly Chunk[]): void {
    const recent = this.recent;
    for (const { start, data } of written) {
      const last = recent.at(-1);
      if (
        last &&
        last.start + last.data.length === start &&
        last.data.buffer === data.buffer &&
        last.data.byteOffset + last.data.length === data.byteOffset
      ) {
        last.data = Buffer.from(data.buffer, last.data.byteOffset, last.data.length + data.length);
      } else recent.push({ start, data });
      this.recentBytes += data.length;
    }
    while (recent.length > 1 && this.recentBytes - recent[0]!.data.length >= RECENT_BYTES) {
      const { data } = recent.shift()!;
      this.recentBytes -= data.length;
      // Nothing else refers to a slab's bytes once written (reads copy them), unless it is still
      // the one being filled.
      if (data.buffer.byteLength === SLAB_SIZE && data.buffer !== this.slab?.buffer && this.spareSlabs.length < 2) {
        this.spareSlabs.push(Buffer.from(data.buffer));
      }
    }
  }

  /** The kept run holding all of [offset, end), if any. */
  private recentRun(offset: number, end: number): Chunk | undefined {
    const recent = this.recent;
    if (recent.length === 0 || offset < recent[0]!.start) return undefined;
    for (let i = recent.length - 1; i >= 0; i--) {
      const run = recent[i]!;
      if (run.start <= offset) return end <= run.start + run.data.length ? run : undefined;
    }
    return undefined;
  }

  /** How long the write under way has taken, in ms (0 when none is). */
  get writeMillis(): number {
    return this.writing ? performance.now() - this.writeStartedAt : 0;
  }

  /** Write everything appended and wait until no write is under way. */
  drain(): Promise<void> {
    return new Promise((resolve) => {
      this.idle.push(resolve);
      this.write();
    });
  }

  /** Read length bytes at offset into a new buffer; fewer if the data ends. */
  read(offset: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafe(Math.max(0, Math.min(length, this.writtenOffset - offset)));
    return buffer.subarray(0, this.readInto(offset, buffer.length, buffer, 0));
  }

  /** Read length bytes at offset into target at position; returns the bytes read (fewer if the data ends). */
  readInto(offset: number, length: number, target: Buffer, position: number): number {
    const end = Math.min(offset + length, this.writtenOffset);
    if (offset < this.minOffset || end <= offset) return 0;
    const run = this.recentRun(offset, end);
    return run
      ? run.data.copy(target, position, offset - run.start, end - run.start)
      : this.file.read(offset, end - offset, target, position);
  }

  /**
   * Copy records (in order, each at most MAX_READ_GAP bytes after the one before) into target
   * one after another from position, each copied once: from memory when recent, else with one
   * read that drops the bytes between them into a scratch buffer. Returns how many were copied
   * whole, from the first; a caller reads the rest (past a segment's end, say) one by one.
   */
  readRecordsInto(
    records: readonly { commitLogOffset: number; size: number }[],
    target: Buffer,
    position: number,
  ): number {
    const start = records[0]!.commitLogOffset;
    const last = records.at(-1)!;
    const end = last.commitLogOffset + last.size;
    if (start < this.minOffset || end > this.writtenOffset) return 0;
    const run = this.recentRun(start, end);
    if (run) {
      for (const { commitLogOffset: offset, size } of records)
        position += run.data.copy(target, position, offset - run.start, offset - run.start + size);
      return records.length;
    }
    const buffers: Buffer[] = [];
    let from = start;
    let at = position;
    let count = 0;
    for (const { commitLogOffset: offset, size } of records) {
      const gap = offset - from;
      // At most IOV_MAX (1024) buffers in one read; gaps no larger than the scratch buffer.
      if (count === 500 || gap < 0 || gap > this.gapScratch.length) break;
      if (gap > 0) buffers.push(this.gapScratch.subarray(0, gap));
      buffers.push(target.subarray(at, at + size));
      at += size;
      from = offset + size;
      count++;
    }
    const read = this.file.readScattered(start, buffers);
    let whole = 0;
    for (const { commitLogOffset: offset, size } of records.slice(0, count)) {
      if (offset + size - start > read) break;
      whole++;
    }
    return whole;
  }

  /** The whole record at a physical offset, or undefined when there is none. */
  readRecord(offset: number): Buffer | undefined {
    const head = this.read(offset, 4);
    if (head.length < 4) return undefined;
    const size = getInt32(head, 0);
    if (size <= 0 || offset + size > this.writtenOffset) return undefined;
    const record = this.read(offset, size);
    return checkStoredMessage(record, 0, record.length, false).kind === 'message' ? record : undefined;
  }

  /** The store time of the record at offset, or -1. */
  storeTimestampAt(offset: number): number {
    const head = this.read(offset, STORE_TIMESTAMP_END);
    if (head.length < STORE_TIMESTAMP_END) return -1;
    return readStoreTimestamp(head);
  }

  /** fsyncs done so far. */
  fsyncs = 0;

  async flush(): Promise<void> {
    this.fsyncs++;
    await this.file.flush();
  }

  close(): void {
    this.file.close();
  }
}
