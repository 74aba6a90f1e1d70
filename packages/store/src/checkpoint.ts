import { closeSync, existsSync, fdatasync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { readLong, writeLong } from '@rocketnest/protocol';

const CHECKPOINT_SIZE = 4096;
/** Where our own field starts: after RocketMQ 5's masterFlushedOffset (24) and confirmPhyOffset (32). */
const SAFE_OFFSET_AT = 40;
/** "RNSO": the safe offset below was written by RocketNest. */
const SAFE_OFFSET_MAGIC = 0x524e534f;

/**
 * The 4 KiB checkpoint file (StoreCheckpoint): the store times up to which the CommitLog, the
 * ConsumeQueues and the IndexFiles are known durable, in RocketMQ's layout. Beyond RocketMQ's
 * fields it holds the safe offset: a CommitLog record boundary below which the log, every
 * ConsumeQueue entry and every index entry are on disk, so that recovery starts there instead
 * of at the start of a (1 GiB) segment. A copy of physicMsgTimestamp is kept beside it: when
 * the two differ, another broker (RocketMQ) wrote the file since, and the safe offset is ignored.
 */
export class StoreCheckpoint {
  physicMsgTimestamp = 0;
  logicsMsgTimestamp = 0;
  indexMsgTimestamp = 0;
  /** A CommitLog offset below which everything is durable, or undefined when not known. */
  safeOffset: number | undefined;
  private readonly fd: number;

  constructor(readonly path: string) {
    const exists = existsSync(path);
    this.fd = openSync(path, exists ? 'r+' : 'w+');
    // A new checkpoint is its full 4 KiB of zeros at once, as RocketMQ creates it.
    if (!exists) ftruncateSync(this.fd, CHECKPOINT_SIZE);
    const bytes = Buffer.alloc(CHECKPOINT_SIZE);
    const read = readSync(this.fd, bytes, 0, CHECKPOINT_SIZE, 0);
    if (read >= 24) {
      this.physicMsgTimestamp = readLong(bytes, 0);
      this.logicsMsgTimestamp = readLong(bytes, 8);
      this.indexMsgTimestamp = readLong(bytes, 16);
    }
    if (
      read >= SAFE_OFFSET_AT + 24 &&
      bytes.readInt32BE(SAFE_OFFSET_AT) === SAFE_OFFSET_MAGIC &&
      readLong(bytes, SAFE_OFFSET_AT + 16) === this.physicMsgTimestamp
    ) {
      this.safeOffset = readLong(bytes, SAFE_OFFSET_AT + 8);
    }
  }

  /** Store times before this are in every file: where abnormal recovery may start. */
  get minTimestamp(): number {
    return Math.max(0, Math.min(this.physicMsgTimestamp, this.logicsMsgTimestamp) - 3000);
  }

  /** Write the fields and fsync. */
  flush(): Promise<void> {
    const bytes = Buffer.alloc(CHECKPOINT_SIZE);
    writeLong(bytes, this.physicMsgTimestamp, 0);
    writeLong(bytes, this.logicsMsgTimestamp, 8);
    writeLong(bytes, this.indexMsgTimestamp, 16);
    if (this.safeOffset !== undefined) {
      bytes.writeInt32BE(SAFE_OFFSET_MAGIC, SAFE_OFFSET_AT);
      writeLong(bytes, this.safeOffset, SAFE_OFFSET_AT + 8);
      writeLong(bytes, this.physicMsgTimestamp, SAFE_OFFSET_AT + 16);
    }
    writeSync(this.fd, bytes, 0, CHECKPOINT_SIZE, 0);
    return new Promise((resolve, reject) => fdatasync(this.fd, (error) => (error ? reject(error) : resolve())));
  }

  close(): void {
    closeSync(this.fd);
  }
}
