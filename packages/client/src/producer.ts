import { deflateSync } from 'node:zlib';
import {
  createRequest,
  encodeBatchBody,
  javaStringHashCode,
  MessageSysFlag,
  ONEWAY_FLAG,
  Perm,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
  SendMessageResponseHeader,
  groupNameProblem,
  topicNameProblem,
  type RemotingCommand,
} from '@rocketnest/protocol';
import { RemotingTimeoutError } from '@rocketnest/remoting';
import type { TraceMessageType } from '@rocketnest/protocol';
import { ClientInstance, type ClientOptions } from './client-instance.js';
import { DeliveryTimes } from './delivery-times.js';
import { MQBrokerError, MQClientError } from './errors.js';
import { messageBody, messageProperties, type Message } from './message.js';
import { publishTrace, traceDispatcher, type TraceDispatcher, type TraceSender } from './message-trace.js';
import type { ReceivedMessage } from './received-message.js';
import { PendingReplies } from './request-reply.js';
import { publishInfo, type MessageQueue, type PublishInfo } from './topic-route.js';
import { createUniqueId } from './unique-id.js';

/** The template topic a broker creates topics from on first send (TBW102). */
const AUTO_CREATE_TOPIC = 'TBW102';

export type { ProducerOptions, SendOptions, SendResult, SendStatus } from './producer-types.js';
import type { ProducerOptions, SendOptions, SendResult, SendStatus } from './producer-types.js';

/** Codes after which another broker may take the message (DefaultMQProducerImpl.sendDefaultImpl). */
const RETRIABLE = new Set<number>([
  ResponseCode.TOPIC_NOT_EXIST,
  ResponseCode.SERVICE_NOT_AVAILABLE,
  ResponseCode.SYSTEM_ERROR,
  ResponseCode.SYSTEM_BUSY,
  ResponseCode.NO_PERMISSION,
]);

const STATUS: Partial<Record<number, SendStatus>> = {
  [ResponseCode.SUCCESS]: 'SEND_OK',
  [ResponseCode.FLUSH_DISK_TIMEOUT]: 'FLUSH_DISK_TIMEOUT',
  [ResponseCode.FLUSH_SLAVE_TIMEOUT]: 'FLUSH_SLAVE_TIMEOUT',
  [ResponseCode.SLAVE_NOT_AVAILABLE]: 'SLAVE_NOT_AVAILABLE',
};

/**
 * A producer (DefaultMQProducer): sends to the queues of a topic's route, round robin, avoiding
 * brokers that just failed, retrying elsewhere; or to one queue chosen by sharding key.
 */
export class Producer {
  readonly instance: ClientInstance;
  private readonly publishInfos = new Map<string, PublishInfo>();
  private sendIndex = Math.floor(Math.random() * 1024);
  /** Broker name -> time until which it is avoided after a failure (latency fault tolerance). */
  private readonly unavailableUntil = new Map<string, number>();
  private started = false;
  /** Topic names already checked, so that a send does not test its topic's name again. */
  private readonly validTopics = new Set<string>();
  private readonly replies: PendingReplies;
  private readonly deliveryTimes: DeliveryTimes;
  /** Message traces of each send (and of transaction ends), when enableMsgTrace is on. */
  protected readonly traces: TraceDispatcher | undefined;

  constructor(protected readonly options: ProducerOptions) {
    const groupProblem = groupNameProblem(options.producerGroup);
    if (groupProblem) throw new MQClientError(`producerGroup: ${groupProblem}`);
    this.instance = new ClientInstance(options);
    this.instance.heartbeat = () => ({ producerDataSet: [{ groupName: options.producerGroup }], consumerDataSet: [] });
    this.instance.onRouteChanged = (topic) => this.publishInfos.delete(topic);
    this.replies = new PendingReplies(this.instance);
    this.deliveryTimes = new DeliveryTimes(this.instance);
    this.traces = traceDispatcher(options, () => traceSender(options, options.producerGroup));
  }

  /**
   * Start; the brokers of TBW102's route get a heartbeat at once, as Java's producer does, so a
   * transactional producer can be asked about its group's half messages before it sends.
   */
  async start(): Promise<void> {
    this.instance.start();
    this.started = true;
    await this.instance.route(AUTO_CREATE_TOPIC).catch(() => undefined);
    await this.instance.sendHeartbeats();
  }

  async shutdown(): Promise<void> {
    this.started = false;
    this.replies.close();
    await this.traces?.shutdown();
    await this.instance.shutdown();
  }

  /**
   * Request-reply (RPC over MQ): send a message that a consumer answers with reply(); resolves
   * with the reply, or rejects once timeoutMs passed without one.
   */
  async request(message: Message, timeoutMs = 3000): Promise<ReceivedMessage> {
    const pending = this.replies.open(this.instance.clientId, timeoutMs, message.topic);
    try {
      await this.send({ ...message, properties: { ...message.properties, ...pending.properties } }, { timeoutMs });
    } catch (error) {
      pending.cancel(error as Error);
    }
    return pending.reply;
  }

  /** Send and wait for the broker's answer; failures are retried on another broker. */
  async send(message: Message, options: SendOptions = {}): Promise<SendResult> {
    // Checked only for a delivery time: no extra await for every other message.
    const ready = message.deliverAt === undefined ? message : await this.withDeliveryTime(message);
    const { request, uniqueId } = this.prepare(ready);
    if (!this.traces) return this.sendRequest(message.topic, request, uniqueId, options);
    const delayed = (ready.delayLevel ?? 0) > 0 || ready.deliverAt !== undefined;
    return this.traced(ready, delayed ? 'Delay_Msg' : 'Normal_Msg', () =>
      this.sendRequest(message.topic, request, uniqueId, options),
    );
  }

  /** Send with sysFlag bits added (a transactional half message, say). */
  protected sendFlagged(message: Message, sysFlag: number, options: SendOptions = {}): Promise<SendResult> {
    const { request, uniqueId } = this.prepare(message, sysFlag);
    const send = () => this.sendRequest(message.topic, request, uniqueId, options);
    return this.traces ? this.traced(message, 'Trans_Msg_Half', send) : send();
  }

  /** A send with its Pub trace recorded once the broker answered. */
  private async traced(
    message: Message,
    msgType: TraceMessageType,
    send: () => Promise<SendResult>,
  ): Promise<SendResult> {
    const started = Date.now();
    const result = await send();
    this.traces!.add(publishTrace(this.options.producerGroup, message, result, started, msgType));
    return result;
  }

  /**
   * Send messages of one topic as one batch (SEND_BATCH_MESSAGE): stored contiguously in one
   * queue; the result's msgId lists their unique ids, comma-separated.
   */
  async sendBatch(messages: readonly Message[], options: SendOptions = {}): Promise<SendResult> {
    if (messages.length === 0) throw new MQClientError('a batch needs at least one message');
    const topic = messages[0]!.topic;
    if (messages.some((m) => m.topic !== topic)) throw new MQClientError('all messages of a batch must have one topic');
    if (messages.some((m) => (m.delayLevel ?? 0) > 0)) throw new MQClientError('a batch cannot have a delay level');
    const prepared = messages.map((message) => this.encode(message));
    const body = encodeBatchBody(
      prepared.map((m, i) => ({ flag: messages[i]!.flag ?? 0, body: m.body, properties: m.properties })),
    );
    this.checkSize(body.length);
    const request = this.requestBuilder(RequestCode.SEND_BATCH_MESSAGE, topic, body, 0, 0, '', true);
    return this.sendRequest(topic, request, prepared.map((m) => m.uniqueId).join(','), options);
  }

  private async sendRequest(
    topic: string,
    request: () => RemotingCommand,
    uniqueId: string,
    options: SendOptions,
  ): Promise<SendResult> {
    const timeoutMs = options.timeoutMs ?? this.instance.requestTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    const attempts =
      options.queue || options.selector || options.shardingKey !== undefined
        ? 1
        : 1 + (this.options.retryTimesWhenSendFailed ?? 2);
    let lastError: unknown;
    let lastBroker: string | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      // A known route is taken without an await: this runs for every message sent.
      const info = this.publishInfos.get(topic) ?? (await this.publishInfo(topic));
      const queue =
        options.queue ?? options.selector?.(info.queues) ?? this.selectQueue(info, options.shardingKey, lastBroker);
      const address = info.masters.get(queue.brokerName);
      if (!address) throw new MQClientError(`no master of broker ${queue.brokerName} serves topic ${topic}`);
      const left = attempt === 0 ? timeoutMs : deadline - Date.now();
      if (left <= 0) break;
      try {
        const response = await this.instance.remoting.invoke(address, withQueue(request(), queue.queueId), {
          timeoutMs: left,
          signal: options.signal,
        });
        return this.result(response, address, queue, uniqueId);
      } catch (error) {
        lastError = error;
        lastBroker = queue.brokerName;
        if (options.signal?.aborted) throw error;
        const retriable = !(error instanceof MQBrokerError) || RETRIABLE.has(error.code);
        this.avoid(queue.brokerName, error instanceof RemotingTimeoutError ? 30_000 : 1_000);
        if (!retriable) throw error;
        // The route may have moved (a broker gone, a topic created meanwhile).
        this.publishInfos.delete(topic);
        await this.instance.refreshRoute(topic).catch(() => undefined);
      }
    }
    if (lastError instanceof Error) throw lastError;
    throw new MQClientError(`sending to ${topic} timed out after ${timeoutMs} ms`);
  }

  /** Send without waiting for an answer. */
  async sendOneway(message: Message, options: Pick<SendOptions, 'queue' | 'shardingKey'> = {}): Promise<void> {
    const { request } = this.prepare(message.deliverAt === undefined ? message : await this.withDeliveryTime(message));
    const info = await this.publishInfo(message.topic);
    const queue = options.queue ?? this.selectQueue(info, options.shardingKey, undefined);
    const address = info.masters.get(queue.brokerName);
    if (!address) throw new MQClientError(`no master of broker ${queue.brokerName} serves topic ${message.topic}`);
    const oneway = withQueue(request(), queue.queueId);
    oneway.flag |= ONEWAY_FLAG;
    await this.instance.remoting.invokeOneway(address, oneway);
  }

  /** A message with a delivery time, as the brokers of its topic can keep it (see deliverAtFallback). */
  private async withDeliveryTime(message: Message): Promise<Message> {
    if (message.deliverAt === undefined || message.delayLevel) return message;
    const info = this.publishInfos.get(message.topic) ?? (await this.publishInfo(message.topic));
    return this.deliveryTimes.adapt(message, [...info.masters.values()], this.options.deliverAtFallback ?? 'refuse');
  }

  /** Validate and encode once: the request of each attempt differs only in queue and opaque. */
  private prepare(message: Message, extraSysFlag = 0): { request: () => RemotingCommand; uniqueId: string } {
    const { body, properties, uniqueId, sysFlag } = this.encode(message);
    const request = this.requestBuilder(
      RequestCode.SEND_MESSAGE_V2,
      message.topic,
      body,
      sysFlag | extraSysFlag,
      message.flag ?? 0,
      properties,
      false,
    );
    return { request, uniqueId };
  }

  /** A message's body (deflated when large), properties and unique id, after checks. */
  private encode(message: Message): { body: Buffer; properties: string; uniqueId: string; sysFlag: number } {
    if (!this.started) throw new MQClientError('the producer is not started: call start() first');
    if (!this.validTopics.has(message.topic)) {
      const problem = topicNameProblem(message.topic);
      if (problem) throw new MQClientError(problem);
      if (this.validTopics.size >= 1024) this.validTopics.clear();
      this.validTopics.add(message.topic);
    }
    let body = messageBody(message);
    if (body.length === 0) throw new MQClientError('the message body is empty');
    this.checkSize(body.length);
    let sysFlag = 0;
    if (body.length > (this.options.compressMsgBodyOverHowmuch ?? 4096)) {
      body = deflateSync(body);
      sysFlag |= MessageSysFlag.COMPRESSED_FLAG;
    }
    const uniqueId = createUniqueId();
    return { body, properties: messageProperties(message, uniqueId), uniqueId, sysFlag };
  }

  private checkSize(length: number): void {
    const maxMessageSize = this.options.maxMessageSize ?? 4 * 1024 * 1024;
    if (length > maxMessageSize) {
      throw new MQClientError(`the message body is ${length} bytes, over maxMessageSize ${maxMessageSize}`);
    }
  }

  private requestBuilder(
    code: number,
    topic: string,
    body: Buffer,
    sysFlag: number,
    flag: number,
    properties: string,
    batch: boolean,
  ): () => RemotingCommand {
    const bornTimestamp = Date.now();
    return () =>
      createRequest(code, {
        extFields: SendMessageRequestHeaderV2.encode({
          producerGroup: this.options.producerGroup,
          topic,
          defaultTopic: AUTO_CREATE_TOPIC,
          defaultTopicQueueNums: this.options.defaultTopicQueueNums ?? 4,
          queueId: 0,
          sysFlag,
          bornTimestamp,
          flag,
          properties,
          reconsumeTimes: 0,
          unitMode: false,
          batch,
        }),
        body,
      });
  }

  private async publishInfo(topic: string): Promise<PublishInfo> {
    const known = this.publishInfos.get(topic);
    if (known) return known;
    let info: PublishInfo | undefined;
    let route = await this.instance.route(topic);
    // A route known from while a broker's master was away may have no writable queue: ask the
    // NameServer again, as tryToFindTopicPublishInfo does, rather than wait for the next refresh.
    if (route && publishInfo(topic, route).queues.length === 0) route = await this.instance.refreshRoute(topic);
    if (route) info = publishInfo(topic, route);
    else {
      // No route yet: send by TBW102's brokers, which create the topic on first send.
      // Only brokers whose TBW102 carries INHERIT create topics (autoCreateTopicEnable).
      const template = await this.instance.route(AUTO_CREATE_TOPIC);
      const creating = template && {
        ...template,
        queueDatas: template.queueDatas.filter((q) => q.perm & Perm.INHERIT),
      };
      if (creating) info = publishInfo(topic, creating, this.options.defaultTopicQueueNums ?? 4);
    }
    if (!info || info.queues.length === 0) {
      throw new MQClientError(
        `no route for topic ${topic}: no broker serves it and none will create it (autoCreateTopicEnable=false?); create the topic first`,
      );
    }
    this.publishInfos.set(topic, info);
    void this.instance.sendHeartbeats();
    return info;
  }

  /** Round robin over queues of brokers not recently failed (and not the last one tried). */
  private selectQueue(info: PublishInfo, shardingKey: string | undefined, avoid: string | undefined): MessageQueue {
    if (shardingKey !== undefined) {
      return info.queues[Math.abs(javaStringHashCode(shardingKey) % info.queues.length)]!;
    }
    for (let i = 0; i < info.queues.length; i++) {
      const queue = info.queues[this.sendIndex++ % info.queues.length]!;
      if (queue.brokerName === avoid) continue;
      // The clock is read only for a broker being avoided: this runs for every message sent.
      const until = this.unavailableUntil.get(queue.brokerName);
      if (until === undefined) return queue;
      if (until <= Date.now()) {
        this.unavailableUntil.delete(queue.brokerName);
        return queue;
      }
    }
    return info.queues[this.sendIndex++ % info.queues.length]!;
  }

  private avoid(brokerName: string, ms: number): void {
    this.unavailableUntil.set(brokerName, Date.now() + ms);
  }

  private result(response: RemotingCommand, address: string, queue: MessageQueue, uniqueId: string): SendResult {
    const status = STATUS[response.code];
    if (!status) throw new MQBrokerError(response.code, response.remark, address);
    // Every answer with a send status carries where the message was stored.
    const stored = SendMessageResponseHeader.decode(response.extFields);
    return {
      status,
      msgId: uniqueId,
      offsetMsgId: stored.msgId,
      messageQueue: { ...queue, queueId: stored.queueId },
      queueOffset: stored.queueOffset,
    };
  }
}

const QUEUE_ID_KEY = SendMessageRequestHeaderV2.keyOf('queueId');

/**
 * What a client's traces are sent with: a producer of its own group, _INNER_TRACE_PRODUCER-group,
 * that traces nothing itself (as RocketMQ's AsyncTraceDispatcher).
 */
export async function traceSender(options: ClientOptions, group: string): Promise<TraceSender> {
  const producer = new Producer({ ...options, producerGroup: `_INNER_TRACE_PRODUCER-${group}`, enableMsgTrace: false });
  await producer.start();
  return producer;
}

/** The request with its queue id set: attempts differ only in queue and opaque, so the header is encoded once. */
function withQueue(request: RemotingCommand, queueId: number): RemotingCommand {
  request.extFields[QUEUE_ID_KEY] = String(queueId);
  return request;
}
