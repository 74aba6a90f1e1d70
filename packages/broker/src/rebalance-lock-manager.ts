import type { MessageQueueData } from '@rocketnest/protocol';

interface LockEntry {
  clientId: string;
  lastUpdateTimestamp: number;
}

const queueKey = (queue: MessageQueueData) => `${queue.topic}@${queue.brokerName}@${queue.queueId}`;

/**
 * RebalanceLockManager: which member of a group holds each queue for orderly consumption. A
 * lock lasts lockMaxLiveTime (60 s) after its holder last renewed it; it is not released when
 * the holder disconnects, it expires, as in RocketMQ.
 */
export class RebalanceLockManager {
  private readonly table = new Map<string, Map<string, LockEntry>>();

  constructor(private readonly lockMaxLiveTime = 60_000) {}

  /** Lock what is free, expired or held by this client already; returns the queues it holds now. */
  tryLockBatch(
    group: string,
    queues: readonly MessageQueueData[],
    clientId: string,
    now = Date.now(),
  ): MessageQueueData[] {
    let locks = this.table.get(group);
    if (!locks) this.table.set(group, (locks = new Map()));
    const held: MessageQueueData[] = [];
    for (const queue of queues) {
      const key = queueKey(queue);
      const entry = locks.get(key);
      if (!entry || entry.clientId === clientId || now - entry.lastUpdateTimestamp > this.lockMaxLiveTime) {
        locks.set(key, { clientId, lastUpdateTimestamp: now });
        held.push(queue);
      }
    }
    return held;
  }

  /** Release the queues this client holds. */
  unlockBatch(group: string, queues: readonly MessageQueueData[], clientId: string): void {
    const locks = this.table.get(group);
    if (!locks) return;
    for (const queue of queues) {
      const key = queueKey(queue);
      if (locks.get(key)?.clientId === clientId) locks.delete(key);
    }
  }
}
