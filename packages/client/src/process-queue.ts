import type { ReceivedMessage } from './received-message.js';

/** Consumed slots at the head beyond this many are cut off when they are also half the arrays. */
const COMPACT_AFTER = 1024;

/**
 * ProcessQueue: the messages of one queue pulled and not yet consumed. The offset to commit is
 * that of the lowest message still held (all below it are done), or past the highest pulled.
 *
 * Held messages sit in offset order in arrays, from `head` on; a consumed message leaves a hole
 * until the head moves past it. Not a Map: one whose entries come and go with every message
 * makes V8 keep what it held alive through young-generation GCs (see InFlightTable in
 * @rocketnest/remoting), which doubled a consumer's GC pauses.
 */
export class ProcessQueue {
  private slots: (ReceivedMessage | undefined)[] = [];
  /** The offset of each slot, consumed or not: ascending. */
  private offsets: number[] = [];
  private head = 0;
  private held = 0;
  /** The offset after the last message pulled. */
  private end = -1;
  bytes = 0;
  dropped = false;
  lastPullTimestamp = 0;
  lastConsumeTimestamp = Date.now();

  get count(): number {
    return this.held;
  }

  add(messages: readonly ReceivedMessage[]): void {
    this.lastPullTimestamp = Date.now();
    for (const message of messages) {
      const offset = message.queueOffset;
      const last = this.offsets[this.offsets.length - 1] ?? -1;
      if (offset > last) {
        this.slots.push(message);
        this.offsets.push(offset);
      } else {
        // Behind what is held (pulled again after an offset reset): into its place, once.
        const at = this.indexOf(offset);
        if (this.offsets[at] === offset) {
          if (this.slots[at] !== undefined) continue;
          this.slots[at] = message;
        } else {
          this.slots.splice(at, 0, message);
          this.offsets.splice(at, 0, offset);
        }
      }
      this.held++;
      this.bytes += message.body.length;
      this.end = Math.max(this.end, offset + 1);
    }
  }

  /** The pull moved past offsets that held no message for us (filtered out): nothing to wait for there. */
  advance(nextOffset: number): void {
    this.end = Math.max(this.end, nextOffset);
  }

  /** The n held messages of lowest offset, in order. */
  first(n: number): ReceivedMessage[] {
    const batch: ReceivedMessage[] = [];
    for (let at = this.head; at < this.slots.length && batch.length < n; at++) {
      const message = this.slots[at];
      if (message !== undefined) batch.push(message);
    }
    return batch;
  }

  /** Done with these; returns the offset to commit now, or -1 when nothing was ever pulled. */
  remove(messages: readonly ReceivedMessage[]): number {
    this.lastConsumeTimestamp = Date.now();
    for (const message of messages) {
      const at = this.indexOf(message.queueOffset);
      const held = this.slots[at];
      if (held === undefined || this.offsets[at] !== message.queueOffset) continue;
      this.slots[at] = undefined;
      this.held--;
      this.bytes -= held.body.length;
    }
    while (this.head < this.slots.length && this.slots[this.head] === undefined) this.head++;
    if (this.head === this.slots.length) {
      this.slots = [];
      this.offsets = [];
      this.head = 0;
    } else if (this.head > COMPACT_AFTER && 2 * this.head > this.slots.length) {
      this.slots = this.slots.slice(this.head);
      this.offsets = this.offsets.slice(this.head);
      this.head = 0;
    }
    return this.commitOffset();
  }

  /** What ProcessQueueInfo reports of the held messages. */
  cached(): {
    cachedMsgMinOffset: number;
    cachedMsgMaxOffset: number;
    cachedMsgCount: number;
    cachedMsgSizeInMiB: number;
  } {
    const held = this.held > 0;
    return {
      cachedMsgMinOffset: held ? this.offsets[this.head]! : 0,
      cachedMsgMaxOffset: held ? this.offsets.at(-1)! : 0,
      cachedMsgCount: this.held,
      cachedMsgSizeInMiB: Math.floor(this.bytes / (1024 * 1024)),
    };
  }

  commitOffset(): number {
    return this.held > 0 ? this.offsets[this.head]! : this.end;
  }

  /** The first slot from the head whose offset is not below offset (binary search). */
  private indexOf(offset: number): number {
    let low = this.head;
    let high = this.offsets.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.offsets[middle]! < offset) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
