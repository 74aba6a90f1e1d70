import { parseTags, propertyValue, MessageConst, type StoredMessage } from '@rocketnest/protocol';
import type { FilterExpression } from './v2-types.js';

/** A message handed to a consumer and not acknowledged yet. */
export interface Inflight {
  stored: StoredMessage;
  /** Deliveries so far, this one included (the v5 delivery_attempt). */
  attempt: number;
  /** When it may be delivered again. */
  visibleAt: number;
  /** Which delivery the current receipt handle names. */
  delivery: number;
  /** Being moved to the dead letter queue. */
  leaving?: boolean;
}

/** One queue of a group's pop state: what was pulled and not handed out, and what is out. */
export class PopQueue {
  /** The offset the next pull starts from; undefined until the group's offset is read. */
  next: number | undefined;
  readonly buffer: StoredMessage[] = [];
  readonly inflight = new Map<number, Inflight>();
  pulling = false;
  /**
   * No message out becomes visible before this (a lower bound: acks do not raise it), so that a
   * receive looks through the messages out only when one may be due.
   */
  nextVisible = Infinity;
  /** This service holds the group's broker lock on the queue: it alone hands the queue's messages out. */
  owned = false;
  /** The offset last committed to the broker. */
  committed = -1;

  /** The group's progress in this queue: every message before it is done (acknowledged or filtered out). */
  low(): number {
    let low = this.buffer[0]?.queueOffset ?? this.next ?? -1;
    for (const offset of this.inflight.keys()) if (offset < low) low = offset;
    return low;
  }

  /** A FIFO group's queue is blocked while one of its messages is out and still invisible. */
  blocked(now: number): boolean {
    for (const entry of this.inflight.values()) if (entry.visibleAt > now) return true;
    return false;
  }

  /** The messages out whose invisible time ran out, by offset; nextVisible is made exact again. */
  due(now: number): Inflight[] {
    if (now < this.nextVisible) return [];
    const due: Inflight[] = [];
    let next = Infinity;
    for (const entry of this.inflight.values()) {
      if (entry.leaving) continue;
      if (entry.visibleAt <= now) due.push(entry);
      else if (entry.visibleAt < next) next = entry.visibleAt;
    }
    this.nextVisible = due.length > 0 ? now : next;
    return due.sort((a, b) => a.stored.queueOffset - b.stored.queueOffset);
  }

  /** An entry out until visibleAt. */
  hide(entry: Inflight, visibleAt: number): void {
    entry.visibleAt = visibleAt;
    if (visibleAt < this.nextVisible) this.nextVisible = visibleAt;
  }
}

/**
 * A group's pop state on one master for one topic (RocketMQ 5 keeps it in the broker's pop
 * checkpoints; here it lives in the gRPC service): per queue, pulled messages, those out with
 * their invisible times, and the waiting receives to wake when messages arrive.
 */
export class PopState {
  readonly queues: PopQueue[] = [];
  /** The filter the buffered messages were pulled with, as one string. */
  filterKey = '';
  /** Bumped when the filter changes: pulls of an older generation are dropped. */
  generation = 0;
  /** Where the next queue to look at starts, so that receives share the queues out. */
  start = 0;
  /** When the queues' locks were last taken or renewed (0: never). */
  lockedAt = 0;
  /** A pull's refusal, reported to the next receive that finds nothing. */
  error: Error | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly group: string,
    readonly topic: string,
    readonly brokerName: string,
  ) {}

  /** Resolves when woken or after ms. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** The earliest time a message out may become visible again, or Infinity. */
  nextVisible(): number {
    let next = Infinity;
    for (const queue of this.queues) if (queue.nextVisible < next) next = queue.nextVisible;
    return next;
  }
}

export function filterKeyOf(filter: FilterExpression): string {
  return `${filter.type === 'SQL' ? 'SQL92' : 'TAG'}:${filter.expression || '*'}`;
}

/**
 * Whether a pulled message matches a TAG filter exactly: the broker filters by the tags' hash
 * codes, which two tags may share (as the remoting client checks again).
 */
export function tagMatches(filter: FilterExpression, stored: StoredMessage): boolean {
  if (filter.type === 'SQL') return true;
  const tags = parseTags(filter.expression || '*');
  if (tags.length === 0 || tags.includes('*')) return true;
  const tag = propertyValue(stored.properties, MessageConst.TAGS);
  return tag !== undefined && tags.includes(tag);
}
