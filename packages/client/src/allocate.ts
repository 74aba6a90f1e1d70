import { createHash } from 'node:crypto';
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

/** AllocateMessageQueueAveragelyByCircle: queue i goes to client i % clients. */
export const allocateAveragelyByCircle: AllocateStrategy = (_group, current, queues, clientIds) => {
  const index = clientIds.indexOf(current);
  if (index < 0) return [];
  return queues.filter((_queue, i) => i % clientIds.length === index);
};

/** AllocateMessageQueueByConfig: these queues, whoever asks. */
export function allocateByConfig(configured: readonly MessageQueue[]): AllocateStrategy {
  return () => [...configured];
}

/**
 * AllocateMessageQueueByMachineRoom: brokers named "room@name"; the queues of brokers in the
 * consumer's rooms, shared out in equal runs, the remainder one each to the first clients.
 */
export function allocateByMachineRoom(rooms: readonly string[]): AllocateStrategy {
  const wanted = new Set(rooms);
  return (_group, current, queues, clientIds) => {
    const index = clientIds.indexOf(current);
    if (index < 0) return [];
    const inRooms = queues.filter((queue) => wanted.has(queue.brokerName.split('@')[0]!));
    const share = Math.floor(inRooms.length / clientIds.length);
    const remainder = inRooms.length % clientIds.length;
    const result = inRooms.slice(share * index, share * index + share);
    if (remainder > index) result.push(inRooms[index + share * clientIds.length]!);
    return result;
  };
}

/** MessageQueue.toString(), which the consistent hash hashes. */
function queueText(queue: MessageQueue): string {
  return `MessageQueue [topic=${queue.topic}, brokerName=${queue.brokerName}, queueId=${queue.queueId}]`;
}

/** RocketMQ's MD5Hash: the first four bytes of the MD5 digest, big-endian, unsigned. */
function md5Hash(key: string): number {
  return createHash('md5').update(key, 'utf8').digest().readUInt32BE(0);
}

/**
 * AllocateMessageQueueConsistentHash: each client is virtualNodes points ("clientId-i") on an
 * MD5 ring; a queue goes to the first point at or after its own hash, wrapping around.
 */
export function allocateConsistentHash(virtualNodes = 10): AllocateStrategy {
  return (_group, current, queues, clientIds) => {
    if (!clientIds.includes(current)) return [];
    const ring = clientIds
      .flatMap((clientId) =>
        Array.from({ length: virtualNodes }, (_, i) => ({ hash: md5Hash(`${clientId}-${i}`), clientId })),
      )
      .sort((a, b) => a.hash - b.hash);
    return queues.filter((queue) => {
      const hash = md5Hash(queueText(queue));
      const owner = ring.find((point) => point.hash >= hash) ?? ring[0]!;
      return owner.clientId === current;
    });
  };
}
