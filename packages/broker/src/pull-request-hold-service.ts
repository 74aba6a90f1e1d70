import type { MessageFilter } from '@rocketnest/store';

/** A pull that found nothing and waits (PullRequest in PullRequestHoldService). */
export interface HeldPull {
  /** The offset it asked for: it wakes once the queue grows past it. */
  pullFromThisOffset: number;
  filter: MessageFilter;
  /** Run the pull again, without the right to be held, and answer it. */
  resume(): void;
  timer?: NodeJS.Timeout;
}

/**
 * Long polling (PullRequestHoldService): pulls that found nothing are held per topic queue and
 * answered as soon as a matching message arrives for that queue, or at their suspend timeout.
 */
export class PullRequestHoldService {
  /**
   * Held pulls by topic and queue id. A queue's set stays when it empties (there are only so many
   * queues): a consumer that keeps up is held and woken hundreds of times a second, and making
   * and dropping a set (and a key string) each time left garbage that lived long enough to need
   * full collections.
   */
  private readonly held = new Map<string, Set<HeldPull>[]>();

  hold(topic: string, queueId: number, pull: HeldPull, timeoutMs: number): void {
    let queues = this.held.get(topic);
    if (!queues) this.held.set(topic, (queues = []));
    const pulls = (queues[queueId] ??= new Set());
    pulls.add(pull);
    pull.timer = setTimeout(() => this.release(pulls, pull), timeoutMs);
  }

  /** A message arrived: wake the held pulls of its queue that it is news to and that match it. */
  messageArrived(topic: string, queueId: number, maxOffset: number, tagsCode: number): void {
    const pulls = this.held.get(topic)?.[queueId];
    if (!pulls || pulls.size === 0) return;
    for (const pull of [...pulls]) {
      if (maxOffset > pull.pullFromThisOffset && pull.filter.isMatchedByConsumeQueue(tagsCode)) {
        this.release(pulls, pull);
      }
    }
  }

  private release(pulls: Set<HeldPull>, pull: HeldPull): void {
    if (!pulls.delete(pull)) return;
    clearTimeout(pull.timer);
    pull.resume();
  }

  /** Answer every held pull now (shutdown): each finds what there is, or nothing. */
  releaseAll(): void {
    for (const queues of this.held.values()) {
      for (const pulls of queues) if (pulls) for (const pull of [...pulls]) this.release(pulls, pull);
    }
  }
}
