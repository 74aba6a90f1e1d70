import type { MessageFilter } from '@rocketnest/store';

/** A pull that found nothing and waits (PullRequest in PullRequestHoldService). */
export interface HeldPull {
  /** The offset it asked for: it wakes once the queue grows past it. */
  pullFromThisOffset: number;
  filter: MessageFilter;
  /** Run the pull again, without the right to be held, and answer it. */
  resume(): void;
  timer?: NodeJS.Timeout;
  /** Set once messages it does not match arrived: it is answered at the next check. */
  recheck?: NodeJS.Timeout;
}

/**
 * How long a held pull waits once only messages it filters out arrived: RocketMQ checks held
 * pulls every 5 s whatever their tags, and the pull then moves the group's offset past them
 * (without this, they showed as lag until the pull's suspend timeout).
 */
const RECHECK_MS = 5000;

/**
 * Long polling (PullRequestHoldService): pulls that found nothing are held per topic queue and
 * answered as soon as a matching message arrives for that queue, or at their suspend timeout.
 */
export class PullRequestHoldService {
  /**
   * Held pulls by topic and queue id, in arrays that stay when they empty. A consumer that keeps
   * up is held and woken hundreds of times a second per queue. A Set made and dropped each time
   * left garbage that lived long enough to need full collections; a kept Set is no better: once
   * it is in the old generation, V8 allocates each new table there too, and it makes one each
   * time the set empties or grows.
   */
  private readonly held = new Map<string, HeldPull[][]>();

  /** Pulls held now, over every queue (counted when asked: metrics scrapes). */
  get size(): number {
    let count = 0;
    for (const queues of this.held.values()) for (const pulls of queues) count += pulls?.length ?? 0;
    return count;
  }

  hold(topic: string, queueId: number, pull: HeldPull, timeoutMs: number): void {
    let queues = this.held.get(topic);
    if (!queues) this.held.set(topic, (queues = []));
    const pulls = (queues[queueId] ??= []);
    pulls.push(pull);
    pull.timer = setTimeout(() => this.release(pulls, pulls.indexOf(pull)), timeoutMs);
  }

  /** A message arrived: wake the held pulls of its queue that it is news to and that match it. */
  messageArrived(topic: string, queueId: number, maxOffset: number, tagsCode: number): void {
    const pulls = this.held.get(topic)?.[queueId];
    if (!pulls) return;
    // Backwards, so that the pull moved into a released one's place has been looked at already.
    for (let i = pulls.length - 1; i >= 0; i--) {
      const pull = pulls[i]!;
      if (maxOffset <= pull.pullFromThisOffset) continue;
      if (pull.filter.isMatchedByConsumeQueue(tagsCode)) this.release(pulls, i);
      else pull.recheck ??= setTimeout(() => this.release(pulls, pulls.indexOf(pull)), RECHECK_MS);
    }
  }

  /**
   * Take the pull at index out of its queue's array (the last one takes its place) and answer it;
   * -1 (a timeout's indexOf for a pull answered already) does nothing.
   */
  private release(pulls: HeldPull[], index: number): void {
    if (index < 0) return;
    const pull = pulls[index]!;
    const last = pulls.pop()!;
    if (index < pulls.length) pulls[index] = last;
    clearTimeout(pull.timer);
    clearTimeout(pull.recheck);
    pull.resume();
  }

  /** Answer every held pull now (shutdown): each finds what there is, or nothing. */
  releaseAll(): void {
    for (const queues of this.held.values()) {
      for (const pulls of queues) if (pulls) while (pulls.length > 0) this.release(pulls, pulls.length - 1);
    }
  }
}
