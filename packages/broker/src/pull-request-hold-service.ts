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
  private readonly held = new Map<string, Set<HeldPull>>();

  hold(topic: string, queueId: number, pull: HeldPull, timeoutMs: number): void {
    const key = `${topic}@${queueId}`;
    let pulls = this.held.get(key);
    if (!pulls) this.held.set(key, (pulls = new Set()));
    pulls.add(pull);
    pull.timer = setTimeout(() => this.release(key, pull), timeoutMs);
  }

  /** A message arrived: wake the held pulls of its queue that it is news to and that match it. */
  messageArrived(topic: string, queueId: number, maxOffset: number, tagsCode: number): void {
    const pulls = this.held.get(`${topic}@${queueId}`);
    if (!pulls) return;
    for (const pull of [...pulls]) {
      if (maxOffset > pull.pullFromThisOffset && pull.filter.isMatchedByConsumeQueue(tagsCode)) {
        this.release(`${topic}@${queueId}`, pull);
      }
    }
  }

  private release(key: string, pull: HeldPull): void {
    const pulls = this.held.get(key);
    if (!pulls?.delete(pull)) return;
    if (pulls.size === 0) this.held.delete(key);
    clearTimeout(pull.timer);
    pull.resume();
  }

  /** Answer every held pull now (shutdown): each finds what there is, or nothing. */
  releaseAll(): void {
    for (const [key, pulls] of [...this.held]) for (const pull of [...pulls]) this.release(key, pull);
  }
}
