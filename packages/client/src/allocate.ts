import type { MessageQueue } from './topic-route.js';

/** Picks this client's queues from all queues of a topic and all clients of the group. */
export type AllocateStrategy = (
  consumerGroup: string,
  currentClientId: string,
  queues: readonly MessageQueue[],
  clientIds: readonly string[],
) => MessageQueue[];

/**
 * AllocateMessageQueueAveragely: clients (sorted) take contiguous runs of the queues (sorted),
 * the first `queues % clients` one queue more than the rest.
 */
export const allocateAveragely: AllocateStrategy = (_group, current, queues, clientIds) => {
  const index = clientIds.indexOf(current);
  if (index < 0 || queues.length === 0) return [];
  const mod = queues.length % clientIds.length;
  const averageSize =
    queues.length <= clientIds.length
      ? 1
      : mod > 0 && index < mod
        ? Math.floor(queues.length / clientIds.length) + 1
        : Math.floor(queues.length / clientIds.length);
  const startIndex = mod > 0 && index < mod ? index * averageSize : index * averageSize + mod;
  const range = Math.min(averageSize, queues.length - startIndex);
  const result: MessageQueue[] = [];
  for (let i = 0; i < range; i++) result.push(queues[(startIndex + i) % queues.length]!);
  return result;
};

/** Sort queues as RocketMQ compares MessageQueue: topic, broker name, queue id. */
export function sortQueues(queues: MessageQueue[]): MessageQueue[] {
  return queues.sort((a, b) =>
    a.topic !== b.topic
      ? a.topic < b.topic
        ? -1
        : 1
      : a.brokerName !== b.brokerName
        ? a.brokerName < b.brokerName
          ? -1
          : 1
        : a.queueId - b.queueId,
  );
}

export function queueKey(queue: MessageQueue): string {
  return `${queue.topic}@${queue.brokerName}@${queue.queueId}`;
}
