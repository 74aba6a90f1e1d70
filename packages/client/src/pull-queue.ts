import {
  createRequest,
  decodeStoredMessages,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  PullSysFlag,
  RequestCode,
  ResponseCode,
  type SubscriptionData,
} from '@rocketnest/protocol';
import type { BrokerAddresses } from './broker-addresses.js';
import type { ClientInstance } from './client-instance.js';
import type { ConsumerOptions } from './consumer-base.js';
import type { ConsumerStats } from './consumer-status.js';
import { MQClientError } from './errors.js';
import { receivedMessage, type ReceivedMessage } from './received-message.js';
import type { MessageQueue } from './topic-route.js';

/** A consumer's subscription to a topic: what it sends the broker, and its tags to check again here. */
export interface Subscription {
  data: SubscriptionData;
  tags: Set<string>;
}

/** One pull's outcome: the response code, where to pull next, and the messages that match. */
export interface PullResult {
  code: number;
  nextOffset: number;
  messages: ReceivedMessage[];
}

/** The answers to a pull that carry a PullMessageResponseHeader. */
const PULL_ANSWERS = new Set<number>([
  ResponseCode.SUCCESS,
  ResponseCode.PULL_NOT_FOUND,
  ResponseCode.PULL_RETRY_IMMEDIATELY,
  ResponseCode.PULL_OFFSET_MOVED,
]);

/** What a consumer pulls with. */
export interface Puller {
  instance: ClientInstance;
  addresses: BrokerAddresses;
  options: ConsumerOptions;
  stats: ConsumerStats;
}

/**
 * Pull a queue from an offset, held by the broker up to brokerSuspendMaxTimeMillis when there
 * is nothing yet; committing commitOffset on the way when it is positive. Messages of other
 * tags with the same hash are dropped here, as RocketMQ's client does.
 */
export async function pullQueue(
  { instance, addresses, options, stats }: Puller,
  queue: MessageQueue,
  offset: number,
  commitOffset: number,
  given: Subscription | { expression?: string | undefined },
): Promise<PullResult> {
  const address = await addresses.puller(queue);
  if (!address) throw new MQClientError(`no master or slave for broker ${queue.brokerName}`);
  const subscription = 'data' in given ? given : undefined;
  const subString = subscription?.data.subString ?? ('expression' in given ? given.expression : undefined) ?? '*';
  const suspendMs = options.brokerSuspendMaxTimeMillis ?? 15_000;
  const started = Date.now();
  const response = await instance.remoting.invoke(
    address,
    createRequest(RequestCode.PULL_MESSAGE, {
      extFields: PullMessageRequestHeader.encode({
        consumerGroup: options.consumerGroup,
        topic: queue.topic,
        queueId: queue.queueId,
        queueOffset: offset,
        maxMsgNums: options.pullBatchSize ?? 32,
        sysFlag: PullSysFlag.SUSPEND | PullSysFlag.SUBSCRIPTION | (commitOffset > 0 ? PullSysFlag.COMMIT_OFFSET : 0),
        commitOffset: Math.max(0, commitOffset),
        suspendTimeoutMillis: suspendMs,
        subscription: subString,
        subVersion: subscription?.data.subVersion ?? 0,
        expressionType: subscription?.data.expressionType ?? 'TAG',
      }),
    }),
    { timeoutMs: suspendMs + 15_000 },
  );
  // A pull's answers carry PullMessageResponseHeader; a refusal carries none, and the offset stays.
  let nextOffset = offset;
  if (PULL_ANSWERS.has(response.code)) {
    const header = PullMessageResponseHeader.decode(response.extFields);
    nextOffset = header.nextBeginOffset;
    addresses.suggest(queue, header.suggestWhichBrokerId);
  }
  if (response.code !== ResponseCode.SUCCESS) return { code: response.code, nextOffset, messages: [] };
  const tags = subscription?.tags ?? new Set<string>();
  const messages = decodeStoredMessages(response.body ?? Buffer.alloc(0))
    .map((stored) => receivedMessage(stored, queue.brokerName))
    .filter((m) => tags.size === 0 || (m.tags !== undefined && tags.has(m.tags)));
  stats.pulled(queue.topic, messages.length, Date.now() - started);
  return { code: response.code, nextOffset, messages };
}
