import type { ClientOptions } from './client-instance.js';
import type { DeliverAtFallback } from './delivery-times.js';
import type { TraceOptions } from './message-trace.js';
import type { MessageQueue } from './topic-route.js';

export interface ProducerOptions extends ClientOptions, TraceOptions {
  producerGroup: string;
  /** Attempts after the first when a send fails (retryTimesWhenSendFailed, default 2). */
  retryTimesWhenSendFailed?: number | undefined;
  /** Bodies above this many bytes are sent deflated (compressMsgBodyOverHowmuch, default 4 KiB). */
  compressMsgBodyOverHowmuch?: number | undefined;
  /** Bodies above this are refused before sending (maxMessageSize, default 4 MiB). */
  maxMessageSize?: number | undefined;
  /** Queues per broker a topic gets when the broker creates it on first send (default 4). */
  defaultTopicQueueNums?: number | undefined;
  /**
   * A delivery time (deliverAt) for a broker without timers (RocketMQ 4.x would deliver it at
   * once): 'refuse' (default) rejects the send, 'delayLevel' uses the smallest delay level that is not early.
   */
  deliverAtFallback?: DeliverAtFallback | undefined;
}

export type SendStatus = 'SEND_OK' | 'FLUSH_DISK_TIMEOUT' | 'FLUSH_SLAVE_TIMEOUT' | 'SLAVE_NOT_AVAILABLE';

export interface SendResult {
  status: SendStatus;
  /** The message's unique id (UNIQ_KEY). */
  msgId: string;
  /** The broker's offset message id: its address and the CommitLog offset. */
  offsetMsgId: string;
  messageQueue: MessageQueue;
  queueOffset: number;
}

export interface SendOptions {
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Send to this queue (no retry elsewhere). */
  queue?: MessageQueue | undefined;
  /** Messages with the same sharding key go to the same queue, in order. */
  shardingKey?: string | undefined;
  /** Choose the queue from the topic's writable queues (no retry elsewhere). */
  selector?: ((queues: readonly MessageQueue[]) => MessageQueue) | undefined;
}
