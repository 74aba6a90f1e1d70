import { readLong, writeLong } from '@rocketnest/protocol';

/**
 * The HA exchange of RocketMQ 4.x (HAService, HAConnection, HAClient): plain TCP, no remoting
 * framing. A slave reports its CommitLog's max offset as 8 bytes; a master sends chunks of its
 * CommitLog, each a 12-byte header (the offset, 8 bytes, and the body's size, 4) and the bytes.
 */
export const REPORT_SIZE = 8;
export const TRANSFER_HEADER_SIZE = 12;
/** Largest chunk a master sends (haTransferBatchSize). */
export const TRANSFER_BATCH_SIZE = 32 * 1024;
/** A slave reports, and a master sends a heartbeat when idle, this often (haSendHeartbeatInterval). */
export const HEARTBEAT_INTERVAL_MS = 5000;
/** A connection silent this long is dropped (haHousekeepingInterval). */
export const HOUSEKEEPING_INTERVAL_MS = 20_000;

export function encodeReport(maxOffset: number): Buffer {
  const report = Buffer.alloc(REPORT_SIZE);
  writeLong(report, maxOffset, 0);
  return report;
}

export function encodeTransferHeader(offset: number, size: number): Buffer {
  const header = Buffer.alloc(TRANSFER_HEADER_SIZE);
  writeLong(header, offset, 0);
  header.writeInt32BE(size, 8);
  return header;
}

/** A transfer frame's header: where its bytes go in the CommitLog, and how many follow. */
export function readTransferHeader(bytes: Buffer, at: number): { offset: number; size: number } {
  return { offset: readLong(bytes, at), size: bytes.readInt32BE(at + 8) };
}

/** The latest whole report in what a slave sent (a master reads only whole 8-byte reports). */
export function latestReport(bytes: Buffer): number | undefined {
  const whole = bytes.length - (bytes.length % REPORT_SIZE);
  return whole === 0 ? undefined : readLong(bytes, whole - REPORT_SIZE);
}
