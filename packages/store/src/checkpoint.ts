import { closeSync, existsSync, fdatasync, openSync, readSync, writeSync } from 'node:fs';
import { readLong, writeLong } from '@rocketnest/protocol';

const CHECKPOINT_SIZE = 4096;

/**
 * The 4 KiB checkpoint file (StoreCheckpoint): the store times up to which the CommitLog, the
 * ConsumeQueues and the IndexFiles are known durable. Abnormal recovery starts from the
 * CommitLog segment whose first message is older than the smallest of them.
 */
export class StoreCheckpoint {
  physicMsgTimestamp = 0;
  logicsMsgTimestamp = 0;
  indexMsgTimestamp = 0;
  private readonly fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
    const bytes = Buffer.alloc(CHECKPOINT_SIZE);
    const read = readSync(this.fd, bytes, 0, CHECKPOINT_SIZE, 0);
    if (read >= 24) {
      this.physicMsgTimestamp = readLong(bytes, 0);
      this.logicsMsgTimestamp = readLong(bytes, 8);
      this.indexMsgTimestamp = readLong(bytes, 16);
    }
  }

  /** Store times before this are in every file: where abnormal recovery may start. */
  get minTimestamp(): number {
    return Math.max(0, Math.min(this.physicMsgTimestamp, this.logicsMsgTimestamp) - 3000);
  }

  /** Write the three times and fsync. */
  flush(): Promise<void> {
    const bytes = Buffer.alloc(CHECKPOINT_SIZE);
    writeLong(bytes, this.physicMsgTimestamp, 0);
    writeLong(bytes, this.logicsMsgTimestamp, 8);
    writeLong(bytes, this.indexMsgTimestamp, 16);
    writeSync(this.fd, bytes, 0, CHECKPOINT_SIZE, 0);
    return new Promise((resolve, reject) => fdatasync(this.fd, (error) => (error ? reject(error) : resolve())));
  }

  close(): void {
    closeSync(this.fd);
  }
}
