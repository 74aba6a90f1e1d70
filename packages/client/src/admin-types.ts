import type { MessageQueue } from './topic-route.js';

/** What Admin's topic, stats and progress calls take and give. */
export interface TopicOptions {
  /** Read and write queues per broker (default 8). */
  queueNums?: number | undefined;
  /** PermName bits (default 6, read and write). */
  perm?: number | undefined;
  order?: boolean | undefined;
  /** Create it on the masters of this cluster (default: every cluster). */
  clusterName?: string | undefined;
}

export interface QueueStats {
  queue: MessageQueue;
  minOffset: number;
  maxOffset: number;
  lastUpdateTimestamp: number;
}

export interface QueueProgress {
  queue: MessageQueue;
  brokerOffset: number;
  consumerOffset: number;
  /** Messages the group has yet to consume in this queue. */
  lag: number;
  lastTimestamp: number;
}
