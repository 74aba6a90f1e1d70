import type { ReceivedMessage } from './received-message.js';

/**
 * ProcessQueue: the messages of one queue pulled and not yet consumed. The offset to commit is
 * that of the lowest message still held (all below it are done), or past the highest pulled.
 */
export class ProcessQueue {
  private readonly held = new Map<number, ReceivedMessage>();
  private lowest = Number.POSITIVE_INFINITY;
  /** The offset after the last message pulled. */
  private end = -1;
  bytes = 0;
  dropped = false;

  get count(): number {
    return this.held.size;
  }

  add(messages: readonly ReceivedMessage[]): void {
    for (const message of messages) {
      if (this.held.has(message.queueOffset)) continue;
      this.held.set(message.queueOffset, message);
      this.bytes += message.body.length;
      if (message.queueOffset < this.lowest) this.lowest = message.queueOffset;
      this.end = Math.max(this.end, message.queueOffset + 1);
    }
  }

  /** The pull moved past offsets that held no message for us (filtered out): nothing to wait for there. */
  advance(nextOffset: number): void {
    this.end = Math.max(this.end, nextOffset);
  }

  /** The n held messages of lowest offset, in order (pulls add them in offset order). */
  first(n: number): ReceivedMessage[] {
    const batch: ReceivedMessage[] = [];
    for (const message of this.held.values()) {
      if (batch.length === n) break;
      batch.push(message);
    }
    return batch;
  }

  /** Done with these; returns the offset to commit now, or -1 when nothing was ever pulled. */
  remove(messages: readonly ReceivedMessage[]): number {
    for (const message of messages) {
      if (this.held.delete(message.queueOffset)) this.bytes -= message.body.length;
    }
    this.lowest = Number.POSITIVE_INFINITY;
    for (const offset of this.held.keys()) if (offset < this.lowest) this.lowest = offset;
    return this.commitOffset();
  }

  commitOffset(): number {
    return this.held.size > 0 ? this.lowest : this.end;
  }
}
