import {
  closeSync,
  fdatasync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  readvSync,
  renameSync,
  rmSync,
  writeSync,
  writev,
  writevSync,
} from 'node:fs';
import { pathUnder } from './store-path.js';

/** One fixed-size file of a segmented log, named by the offset of its first byte. */
export interface Segment {
  readonly start: number;
  readonly path: string;
  readonly fd: number;
}

/** A segment file's name: its start offset, zero-padded to 20 digits (UtilAll.offset2FileName). */
export function segmentName(start: number): string {
  return String(start).padStart(20, '0');
}

/**
 * A log cut into fixed-size files, RocketMQ's MappedFileQueue without the mapping: the
 * CommitLog and each ConsumeQueue are one. Segments are contiguous; offset o lives in the
 * segment starting at o - o % segmentSize. Writes go to the page cache at once (pwrite) and
 * reach the disk when flush() fsyncs the segments written since the last flush.
 */
/**
 * pwritev, on this thread (as fs.writevSync) or on a thread of the pool (as fs.writev): bytes
 * written. Replaceable so that tests can make a disk fill up.
 */
export interface FileWriter {
  writeSync(fd: number, buffers: readonly Uint8Array[], position: number): number;
  write(fd: number, buffers: readonly Uint8Array[], position: number): Promise<number>;
}

export const fileWriter: FileWriter = {
  writeSync: (fd, buffers, position) => writevSync(fd, buffers as Uint8Array[], position),
  write: (fd, buffers, position) =>
    new Promise((resolve, reject) =>
      writev(fd, buffers as Uint8Array[], position, (error, written) => (error ? reject(error) : resolve(written))),
    ),
};

export class SegmentedFile {
  private segments: Segment[] = [];
  private readonly dirty = new Set<Segment>();

  constructor(
    readonly dir: string,
    readonly segmentSize: number,
    private readonly writer: FileWriter = fileWriter,
  ) {}

  /** Open the segment files already in dir; each must have exactly segmentSize bytes. */
  load(): void {
    mkdirSync(this.dir, { recursive: true });
    const entries = readdirSync(this.dir);
    // A segment whose creation a crash interrupted holds nothing yet.
    for (const name of entries) if (name.endsWith(CREATING_SUFFIX)) rmSync(pathUnder(this.dir, name), { force: true });
    const names = entries.filter((name) => /^\d{20}$/.test(name)).sort();
    for (const name of names) {
      const path = pathUnder(this.dir, name);
      const fd = openSync(path, 'r+');
      const size = fstatSync(fd).size;
      if (size !== this.segmentSize) {
        closeSync(fd);
        throw new Error(
          `${path} has ${size} bytes but segments here have ${this.segmentSize}: ` +
            'the file size setting does not match the store; set it to what the store was written with',
        );
      }
      this.segments.push({ start: Number(name), path, fd });
    }
  }

  get isEmpty(): boolean {
    return this.segments.length === 0;
  }

  /** Offset of the first byte still kept. */
  get minOffset(): number {
    return this.segments[0]?.start ?? 0;
  }

  /** One past the last byte any segment can hold. */
  get capacityEnd(): number {
    const last = this.segments.at(-1);
    return last ? last.start + this.segmentSize : 0;
  }

  get all(): readonly Segment[] {
    return this.segments;
  }

  /** The segment holding offset, or undefined when none does. */
  find(offset: number): Segment | undefined {
    const first = this.segments[0];
    if (!first || offset < first.start) return undefined;
    return this.segments[Math.floor((offset - first.start) / this.segmentSize)];
  }

  /** The segment for offset, creating it (and any gap before it) when missing. */
  segmentFor(offset: number): Segment {
    const start = offset - (offset % this.segmentSize);
    for (;;) {
      const found = this.find(offset);
      if (found) return found;
      const next = this.segments.length === 0 ? start : this.capacityEnd;
      this.create(next);
    }
  }

  private create(start: number): Segment {
    mkdirSync(this.dir, { recursive: true });
    const path = pathUnder(this.dir, segmentName(start));
    // Sized under a temporary name and renamed, so that a crash never leaves a short segment.
    const creating = `${path}${CREATING_SUFFIX}`;
    const fd = openSync(creating, 'w+');
    // Sparse: the file reads as zeros until written, and costs no disk until then.
    ftruncateSync(fd, this.segmentSize);
    renameSync(creating, path);
    const segment = { start, path, fd };
    this.segments.push(segment);
    return segment;
  }

  /** Write data at offset, on this thread; it must not cross a segment end. */
  write(offset: number, data: Uint8Array): void {
    const { segment, position } = this.place(offset, data.length);
    let written = 0;
    while (written < data.length)
      written += writeSync(segment.fd, data, written, data.length - written, position + written);
    this.dirty.add(segment);
  }

  /**
   * Write buffers one after the other from offset with the FileWriter, on a thread of the pool
   * or, when `here`, on this one; they must not cross a segment end.
   */
  async writeBuffers(offset: number, buffers: Uint8Array[], here: boolean): Promise<void> {
    const length = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    const { segment, position } = this.place(offset, length);
    let rest = buffers;
    let at = position;
    while (rest.length > 0) {
      let written = here ? this.writer.writeSync(segment.fd, rest, at) : await this.writer.write(segment.fd, rest, at);
      at += written;
      // A short write: go on with what is left.
      let first = 0;
      while (first < rest.length && written >= rest[first]!.length) written -= rest[first++]!.length;
      rest = rest.slice(first);
      if (rest.length > 0 && written > 0) rest[0] = rest[0]!.subarray(written);
    }
    this.dirty.add(segment);
  }

  private place(offset: number, length: number): { segment: Segment; position: number } {
    const segment = this.segmentFor(offset);
    const position = offset - segment.start;
    if (position + length > this.segmentSize) {
      throw new RangeError(`a write of ${length} bytes at ${offset} would cross the end of ${segment.path}`);
    }
    return { segment, position };
  }

  /** Read length bytes at offset into target (which may span segments); returns bytes read. */
  read(offset: number, length: number, target: Buffer, targetOffset = 0): number {
    let done = 0;
    while (done < length) {
      const segment = this.find(offset + done);
      if (!segment) break;
      const position = offset + done - segment.start;
      const count = Math.min(length - done, this.segmentSize - position);
      const read = readSync(segment.fd, target, targetOffset + done, count, position);
      if (read <= 0) break;
      done += read;
    }
    return done;
  }

  /**
   * Fill buffers one after the other from offset with one read, within the segment holding
   * offset (a read reaching its end comes back short); returns bytes read.
   */
  readScattered(offset: number, buffers: readonly Buffer[]): number {
    const segment = this.find(offset);
    return segment ? readvSync(segment.fd, buffers, offset - segment.start) : 0;
  }

  /** Have the next flush fsync the segments from the one holding offset on. */
  markDirtyFrom(offset: number): void {
    for (const segment of this.segments) if (segment.start + this.segmentSize > offset) this.dirty.add(segment);
  }

  /** fsync every segment written since the last flush, one at a time (each holds a thread of the pool). */
  async flush(): Promise<void> {
    const segments = [...this.dirty];
    this.dirty.clear();
    for (const segment of segments) {
      await new Promise<void>((resolve, reject) =>
        fdatasync(segment.fd, (error) => {
          // A segment deleted meanwhile (retention) has nothing left to flush.
          if (error && error.code !== 'EBADF') {
            for (const unflushed of segments.slice(segments.indexOf(segment))) this.dirty.add(unflushed);
            reject(error);
          } else resolve();
        }),
      );
    }
  }

  /**
   * Make offset the end of the data: delete segments that start at or after it and zero the
   * rest of the segment holding it, so that nothing beyond the end can later pass for a record.
   */
  truncate(offset: number): void {
    while (this.segments.length > 0 && this.segments.at(-1)!.start >= offset) {
      const segment = this.segments.pop()!;
      this.remove(segment);
    }
    const last = this.segments.at(-1);
    if (!last) return;
    zeroTail(last.fd, offset - last.start, this.segmentSize);
    this.dirty.add(last);
  }

  /** Delete whole segments from the head while keep(segment) says no; never the last one. */
  deleteHead(expired: (segment: Segment) => boolean, maxCount = Number.POSITIVE_INFINITY): Segment[] {
    const deleted: Segment[] = [];
    while (this.segments.length > 1 && deleted.length < maxCount && expired(this.segments[0]!)) {
      const segment = this.segments.shift()!;
      this.remove(segment);
      deleted.push(segment);
    }
    return deleted;
  }

  /** Delete every segment and the directory. */
  destroy(): void {
    for (const segment of this.segments) this.remove(segment);
    this.segments = [];
    rmSync(this.dir, { recursive: true, force: true });
  }

  close(): void {
    for (const segment of this.segments) closeSync(segment.fd);
    this.segments = [];
    this.dirty.clear();
  }

  private remove(segment: Segment): void {
    this.dirty.delete(segment);
    closeSync(segment.fd);
    rmSync(segment.path, { force: true });
  }
}

const ZERO_CHUNK = 1024 * 1024;
const CREATING_SUFFIX = '.creating';

/**
 * Zero a file from position on. A log's data is contiguous and what follows its end is zeros,
 * save a torn write at most a few MiB long; stop after a run of 8 MiB that is zero already.
 */
function zeroTail(fd: number, position: number, size: number): void {
  const zeros = Buffer.alloc(ZERO_CHUNK);
  const probe = Buffer.alloc(ZERO_CHUNK);
  let zeroRun = 0;
  for (let at = position; at < size && zeroRun < 8 * ZERO_CHUNK; at += ZERO_CHUNK) {
    const count = Math.min(ZERO_CHUNK, size - at);
    const read = readSync(fd, probe, 0, count, at);
    if (probe.subarray(0, read).equals(zeros.subarray(0, read))) {
      zeroRun += count;
      continue;
    }
    zeroRun = 0;
    writeSync(fd, zeros, 0, count, at);
  }
}
