import {
  checkStoredMessage,
  getInt32,
  MESSAGE_MAGIC_CODE,
  readStoreTimestamp,
  STORE_TIMESTAMP_END,
  StoredMessagePosition,
} from '@rocketnest/protocol';
import type { SegmentedFile } from './segmented-file.js';

/** A record as the scan hands it over: the buffer holding it and where. */
export interface ScannedRecord {
  buffer: Buffer;
  at: number;
  physicalOffset: number;
  size: number;
}

/**
 * Walk the CommitLog's records from `from` (a record start), handing each valid one to onRecord,
 * and return the offset of the first byte that is not a valid record: the end of the data.
 */
export function scanRecords(
  file: SegmentedFile,
  from: number,
  checkCrc: boolean,
  onRecord: (record: ScannedRecord) => void,
  maxRecordSize: number,
): number {
  const segmentSize = file.segmentSize;
  const chunk = Buffer.allocUnsafe(Math.min(Math.max(8 * 1024 * 1024, maxRecordSize + 8), segmentSize));
  let offset = from;
  for (;;) {
    const segment = file.find(offset);
    if (!segment) return offset;
    const segmentEnd = segment.start + segmentSize;
    const length = file.read(offset, Math.min(chunk.length, segmentEnd - offset), chunk);
    // More of this segment follows the chunk: a record cut by the chunk's end is read again.
    const moreFollows = offset + length < segmentEnd;
    let at = 0;
    let blank = false;
    while (at < length) {
      if (length - at < 8 && moreFollows) break;
      const check = checkStoredMessage(chunk, at, length, checkCrc);
      if (check.kind === 'blank') {
        blank = true;
        break;
      }
      if (check.kind === 'invalid') {
        const size = getInt32(chunk, at);
        if (moreFollows && at > 0 && at + size > length && size <= maxRecordSize) break;
        return offset + at;
      }
      onRecord({ buffer: chunk, at, physicalOffset: offset + at, size: check.size });
      at += check.size;
    }
    if (blank) offset = segmentEnd;
    else if (at === 0) return offset;
    else offset += at;
  }
}

/** The store time of a segment's first record when it is a valid V1 message, else 0. */
export function firstStoreTimestamp(file: SegmentedFile, segmentStart: number): number {
  const head = Buffer.alloc(4096);
  const read = file.read(segmentStart, head.length, head);
  if (read < STORE_TIMESTAMP_END || getInt32(head, StoredMessagePosition.MAGIC) !== MESSAGE_MAGIC_CODE) return 0;
  return readStoreTimestamp(head);
}
