import { closeSync, fdatasync, ftruncateSync, openSync, readSync, renameSync, write, writeSync } from 'node:fs';
import { getInt32, javaStringHashCode, putInt32, readLong, writeLong } from '@rocketnest/protocol';

const HEADER_SIZE = 40;
const ENTRY_SIZE = 20;

/** The 40-byte IndexFile header (IndexHeader). */
export interface IndexHeader {
  beginTimestamp: number;
  endTimestamp: number;
  beginPhyOffset: number;
  endPhyOffset: number;
  hashSlotCount: number;
  /** The next entry number; entry 0 is never used. */
  indexCount: number;
}

/** The hash RocketMQ indexes a key by: |String.hashCode(topic#key)|, and 0 for Integer.MIN_VALUE. */
export function indexKeyHash(topic: string, key: string): number {
  return indexKeyHashFrom(topicKeyPrefixHash(topic), key);
}

/** The hash of "topic#", from which each key's hash goes on. */
export function topicKeyPrefixHash(topic: string): number {
  return javaStringHashCode('#', javaStringHashCode(topic));
}

/** indexKeyHash from the hash of "topic#". */
export function indexKeyHashFrom(topicKeyPrefix: number, key: string): number {
  const hash = Math.abs(javaStringHashCode(key, topicKeyPrefix));
  return hash > 0x7fffffff ? 0 : hash;
}

/**
 * One IndexFile: a 40-byte header, maxHashSlotNum int32 slots (the newest entry for a hash) and
 * maxIndexNum 20-byte entries [keyHash, phyOffset, timeDiff seconds, prevIndex] chained per slot.
 * The file being written keeps its header and slots in memory (the slots big-endian, as on disk,
 * so that persist() writes them from a thread of the pool with no copy) and writes them out on persist();
 * entries go to the page cache as they are added.
 */
export class IndexFile {
  readonly header: IndexHeader;
  /** Slots of the file being written, big-endian int32s as in the file. */
  private slots: Buffer | undefined;
  private pending: Buffer | undefined;
  private pendingFrom = 0;
  private pendingCount = 0;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    readonly maxHashSlotNum: number,
    readonly maxIndexNum: number,
    header: IndexHeader,
  ) {
    this.header = header;
  }

  static fileSize(maxHashSlotNum: number, maxIndexNum: number): number {
    return HEADER_SIZE + maxHashSlotNum * 4 + maxIndexNum * ENTRY_SIZE;
  }

  /** A new file whose header starts where the previous file ended. */
  static create(path: string, maxHashSlotNum: number, maxIndexNum: number, previous?: IndexHeader): IndexFile {
    // Sized under a temporary name and renamed, so that a crash never leaves a short index file.
    const fd = openSync(`${path}.creating`, 'w+');
    ftruncateSync(fd, IndexFile.fileSize(maxHashSlotNum, maxIndexNum));
    renameSync(`${path}.creating`, path);
    const header: IndexHeader = {
      beginTimestamp: previous?.endTimestamp ?? 0,
      endTimestamp: previous?.endTimestamp ?? 0,
      beginPhyOffset: previous?.endPhyOffset ?? 0,
      endPhyOffset: previous?.endPhyOffset ?? 0,
      hashSlotCount: 0,
      indexCount: 1,
    };
    const file = new IndexFile(path, fd, maxHashSlotNum, maxIndexNum, header);
    file.slots = Buffer.alloc(maxHashSlotNum * 4);
    file.writeHeader();
    return file;
  }

  static open(path: string, maxHashSlotNum: number, maxIndexNum: number): IndexFile {
    const fd = openSync(path, 'r+');
    const bytes = Buffer.alloc(HEADER_SIZE);
    readSync(fd, bytes, 0, HEADER_SIZE, 0);
    const header: IndexHeader = {
      beginTimestamp: readLong(bytes, 0),
      endTimestamp: readLong(bytes, 8),
      beginPhyOffset: readLong(bytes, 16),
      endPhyOffset: readLong(bytes, 24),
      hashSlotCount: getInt32(bytes, 32),
      indexCount: Math.max(1, getInt32(bytes, 36)),
    };
    return new IndexFile(path, fd, maxHashSlotNum, maxIndexNum, header);
  }

  get isFull(): boolean {
    return this.header.indexCount >= this.maxIndexNum;
  }

  /**
   * Make this the file being written: read its slots into memory. When `rebuild`, derive them
   * from the entries instead (after a crash the slots on disk may be newer than the header).
   */
  activate(rebuild: boolean): void {
    const slots = Buffer.alloc(this.maxHashSlotNum * 4);
    if (rebuild) {
      const count = this.header.indexCount;
      const chunk = Buffer.allocUnsafe(64 * 1024 * ENTRY_SIZE);
      for (let first = 1; first < count; first += 64 * 1024) {
        const n = Math.min(64 * 1024, count - first);
        readSync(this.fd, chunk, 0, n * ENTRY_SIZE, this.entryPosition(first));
        for (let i = 0; i < n; i++)
          putInt32(slots, first + i, (getInt32(chunk, i * ENTRY_SIZE) % this.maxHashSlotNum) * 4);
      }
    } else {
      readSync(this.fd, slots, 0, slots.length, HEADER_SIZE);
    }
    this.slots = slots;
  }

  /** Index topic#key for the message at phyOffset stored at storeTimestamp; false when full. */
  put(keyHash: number, phyOffset: number, storeTimestamp: number): boolean {
    const slots = this.slots;
    if (!slots) throw new Error(`${this.path} is not the index file being written`);
    const header = this.header;
    if (header.indexCount >= this.maxIndexNum) return false;
    const slot = keyHash % this.maxHashSlotNum;
    let previous = getInt32(slots, slot * 4);
    if (previous <= 0 || previous > header.indexCount) previous = 0;
    let timeDiff = 0;
    if (header.beginTimestamp > 0) {
      timeDiff = Math.trunc((storeTimestamp - header.beginTimestamp) / 1000);
      timeDiff = Math.min(0x7fffffff, Math.max(0, timeDiff));
    }
    const index = header.indexCount;
    if (!this.pending) {
      this.pending = Buffer.allocUnsafe(1024 * ENTRY_SIZE);
      this.pendingFrom = index;
      this.pendingCount = 0;
    }
    const at = this.pendingCount * ENTRY_SIZE;
    putInt32(this.pending, keyHash, at);
    writeLong(this.pending, phyOffset, at + 4);
    putInt32(this.pending, timeDiff, at + 12);
    putInt32(this.pending, previous, at + 16);
    this.pendingCount++;
    putInt32(slots, index, slot * 4);
    if (index <= 1) {
      header.beginPhyOffset = phyOffset;
      header.beginTimestamp = storeTimestamp;
    }
    if (previous === 0) header.hashSlotCount++;
    header.indexCount++;
    header.endPhyOffset = phyOffset;
    header.endTimestamp = storeTimestamp;
    if (this.pendingCount * ENTRY_SIZE === this.pending.length) this.writeEntries();
    return true;
  }

  /** Write added entries to the page cache. */
  writeEntries(): void {
    if (!this.pending || this.pendingCount === 0) return;
    writeSync(this.fd, this.pending, 0, this.pendingCount * ENTRY_SIZE, this.entryPosition(this.pendingFrom));
    this.pending = undefined;
    this.pendingCount = 0;
  }

  /**
   * Write entries, then slots, then the header as it was when this began, and fsync: after this
   * the file is whole on disk up to that header. Returns it. Without slots (the periodic persist
   * of the file being written), only entries and header: after a crash the slots are rebuilt
   * from the entries anyway, and writing the whole slot table (maxHashSlotNum x 4 bytes, 20 MB
   * by default) every second took a core for milliseconds each time. A clean shutdown and a
   * full file write them.
   */
  async persist(withSlots = true): Promise<IndexHeader> {
    // A full file is written whole at once: the next file's header, written when it is made, counts
    // on this one's entries. The file being written goes on taking entries while its slots are written.
    const whole = this.isFull;
    this.writeEntries();
    // What is written now: the header must not claim entries that come while the slots are written.
    const header = { ...this.header };
    if (this.slots && (withSlots || whole)) {
      // Written from a thread of the pool while puts go on: a slot changed meanwhile is written
      // old or new, and after a crash the slots are rebuilt from the entries anyway.
      const slots = this.slots;
      if (whole) writeSync(this.fd, slots, 0, slots.length, HEADER_SIZE);
      else {
        await new Promise<void>((resolve, reject) =>
          write(this.fd, slots, 0, slots.length, HEADER_SIZE, (error) => (error ? reject(error) : resolve())),
        );
      }
    }
    this.writeHeader(header);
    // A full file takes no more entries: its slots are read from disk from now on.
    if (this.isFull) this.slots = undefined;
    await new Promise<void>((resolve, reject) => fdatasync(this.fd, (error) => (error ? reject(error) : resolve())));
    return header;
  }

  private writeHeader(header: IndexHeader = this.header): void {
    const bytes = Buffer.alloc(HEADER_SIZE);
    writeLong(bytes, header.beginTimestamp, 0);
    writeLong(bytes, header.endTimestamp, 8);
    writeLong(bytes, header.beginPhyOffset, 16);
    writeLong(bytes, header.endPhyOffset, 24);
    putInt32(bytes, header.hashSlotCount, 32);
    putInt32(bytes, header.indexCount, 36);
    writeSync(this.fd, bytes, 0, HEADER_SIZE, 0);
  }

  /** Does this file's time range meet [begin, end]? */
  overlaps(begin: number, end: number): boolean {
    return this.header.beginTimestamp <= end && this.header.endTimestamp >= begin;
  }

  /**
   * CommitLog offsets of entries for key stored within [begin, end], newest first, at most
   * maxNum (IndexFile.selectPhyOffset). Only the 32-bit hash is compared: callers filter.
   */
  query(keyHash: number, maxNum: number, begin: number, end: number, out: number[]): void {
    this.writeEntries();
    const slot = keyHash % this.maxHashSlotNum;
    let index = this.slots ? getInt32(this.slots, slot * 4) : this.readSlot(slot);
    const count = this.header.indexCount;
    const entry = Buffer.allocUnsafe(ENTRY_SIZE);
    while (out.length < maxNum && index > 0 && index < count) {
      readSync(this.fd, entry, 0, ENTRY_SIZE, this.entryPosition(index));
      const entryHash = getInt32(entry, 0);
      const time = this.header.beginTimestamp + getInt32(entry, 12) * 1000;
      if (time < begin) break;
      if (entryHash === keyHash && time <= end) out.push(readLong(entry, 4));
      const previous = getInt32(entry, 16);
      if (previous <= 0 || previous >= count || previous === index) break;
      index = previous;
    }
  }

  private readSlot(slot: number): number {
    const bytes = Buffer.allocUnsafe(4);
    readSync(this.fd, bytes, 0, 4, HEADER_SIZE + slot * 4);
    return getInt32(bytes, 0);
  }

  private entryPosition(index: number): number {
    return HEADER_SIZE + this.maxHashSlotNum * 4 + index * ENTRY_SIZE;
  }

  /** Write what is pending and close; the file is closed even when the write fails (a full disk). */
  close(): void {
    try {
      this.writeEntries();
    } finally {
      closeSync(this.fd);
    }
  }
}

/** An IndexFile's name: its creation time as yyyyMMddHHmmssSSS, local time (UtilAll.timeMillisToHumanString). */
export function indexFileName(time: number): string {
  const d = new Date(time);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}${two(d.getHours())}${two(d.getMinutes())}${two(d.getSeconds())}${String(d.getMilliseconds()).padStart(3, '0')}`;
}
