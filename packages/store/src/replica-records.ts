import { checkStoredMessage, getInt32, readStoredRecordHead } from '@rocketnest/protocol';
import { dispatchRecord, type DispatchRecord } from './commit-log-dispatcher.js';

/**
 * A slave's view of the bytes replication appends: a master sends byte ranges of its CommitLog,
 * not whole records, so a record may arrive over several chunks. This keeps what is not yet a
 * whole record and hands back the records each chunk completes; after an END_FILE blank it skips
 * to the next segment, as the log does.
 */
export class ReplicaRecords {
  /** Bytes after the last whole record, and where they start. */
  private tail = Buffer.alloc(0);
  private tailStart = 0;
  /** Offset before which bytes are a blank's filler. */
  private skipUntil = 0;

  constructor(
    private readonly segmentSize: number,
    /** The longest record that may arrive (maxPutBytes). */
    private readonly maxRecordSize: number,
  ) {}

  /**
   * Where the whole records received end: the start of a record cut by the last chunk, or past the
   * filler of a segment whose END_FILE blank arrived. Appends of its own start here once the
   * slave becomes a master.
   */
  get recordsEnd(): number {
    return Math.max(this.tailStart, this.skipUntil);
  }

  /** Appends start here, at a record's start (the end of the recovered log). */
  reset(offset: number): void {
    this.tail = Buffer.alloc(0);
    this.tailStart = offset;
    this.skipUntil = 0;
  }

  /**
   * The records that data, appended at offset, completes, where the whole records then end, and
   * a commit to call once it is appended (until then this view stays as it was). Throws for
   * bytes that are not records.
   */
  take(offset: number, data: Buffer): { records: DispatchRecord[]; recordsEnd: number; commit(): void } {
    let chunk = data;
    let start = offset;
    if (start < this.skipUntil) {
      const filler = Math.min(this.skipUntil - start, chunk.length);
      chunk = chunk.subarray(filler);
      start += filler;
    }
    if (chunk.length === 0) return { records: [], recordsEnd: this.recordsEnd, commit: () => {} };
    const bytes = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : chunk;
    const base = this.tail.length > 0 ? this.tailStart : start;
    const records: DispatchRecord[] = [];
    let skipUntil = this.skipUntil;
    let at = 0;
    while (bytes.length - at >= 8) {
      const check = checkStoredMessage(bytes, at, bytes.length, false);
      if (check.kind === 'message') {
        records.push(dispatchRecord(bytes, readStoredRecordHead(bytes, at), base + at, check.size));
        at += check.size;
        continue;
      }
      if (check.kind === 'blank') {
        const position = base + at;
        skipUntil = position - (position % this.segmentSize) + this.segmentSize;
        at = Math.min(bytes.length, skipUntil - base);
        continue;
      }
      // A record cut by the chunk's end waits for the rest; anything else is not the master's log.
      const size = getInt32(bytes, at);
      if (size > 0 && size <= this.maxRecordSize && at + size > bytes.length) break;
      throw new RangeError(`replicated bytes at CommitLog offset ${base + at} are not a record: ${check.reason}`);
    }
    const commit = () => {
      this.tail = Buffer.from(bytes.subarray(at));
      this.tailStart = base + at;
      this.skipUntil = skipUntil;
    };
    return { records, recordsEnd: Math.max(base + at, skipUntil), commit };
  }
}
