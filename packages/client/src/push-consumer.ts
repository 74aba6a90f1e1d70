import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createRequest,
  decodeStoredMessages,
  GetMaxOffsetRequestHeader,
  isReadable,
  MASTER_ID,
  PullMessageRequestHeader,
  PullSysFlag,
  RequestCode,
  ResponseCode,
  SearchOffsetRequestHeader,
  tagsCode,
  UnregisterClientRequestHeader,
  type ConsumerData,
  type MessageModel,
  type RemotingCommand,
  type SubscriptionData,
  type TopicRouteData,
} from '@rocketnest/protocol';
import { allocateAveragely, queueKey, sortQueues, type AllocateStrategy } from './allocate.js';
import { ClientInstance, type ClientOptions } from './client-instance.js';
import { MQBrokerError, MQClientError } from './errors.js';
import { LocalFileOffsetStore } from './local-offset-store.js';
import { RemoteOffsetStore, type OffsetStore } from './offset-store.js';
import { ProcessQueue } from './process-queue.js';
import { receivedMessage, type ReceivedMessage } from './received-message.js';
import type { MessageQueue } from './topic-route.js';

export type ConsumeFromWhere = 'CONSUME_FROM_LAST_OFFSET' | 'CONSUME_FROM_FIRST_OFFSET' | 'CONSUME_FROM_TIMESTAMP';

/** What a listener says of a batch: done, or give it to me again later. */
export type ConsumeResult = 'CONSUME_SUCCESS' | 'RECONSUME_LATER';

export type MessageListener = (messages: ReceivedMessage[]) => Promise<ConsumeResult | void> | ConsumeResult | void;

export interface PushConsumerOptions extends ClientOptions {
  consumerGroup: string;
  /**
   * CLUSTERING (default): the group's members share the queues, offsets live on the broker.
   * BROADCASTING: every member gets every message, offsets live in a local file.
   */
  messageModel?: MessageModel | undefined;
  /** Where a broadcasting consumer keeps its offsets (default ~/.rocketnest_offsets). */
  offsetStoreDir?: string | undefined;
  consumeFromWhere?: ConsumeFromWhere | undefined;
  /** For CONSUME_FROM_TIMESTAMP: ms since the epoch (default: 30 minutes before start). */
  consumeTimestamp?: number | undefined;
  /** Listener calls in flight at once, over all queues (default 20). */
  concurrency?: number | undefined;
  /** Messages per listener call (default 1). */
  consumeMessageBatchMaxSize?: number | undefined;
  /** Messages per pull (default 32). */
  pullBatchSize?: number | undefined;
  /** Stop pulling a queue holding more than this many unconsumed messages (default 1000). */
  pullThresholdForQueue?: number | undefined;
  /** ... or more than this many MiB of bodies (default 100). */
  pullThresholdSizeForQueue?: number | undefined;
  /** How long a pull may wait at the broker for new messages (default 15 s). */
  brokerSuspendMaxTimeMillis?: number | undefined;
  rebalanceInterval?: number | undefined;
  persistConsumerOffsetInterval?: number | undefined;
  /** Delay before a message the listener failed on is given to it again (default 1 s). */
  retryDelayMs?: number | undefined;
  allocate?: AllocateStrategy | undefined;
}

interface Subscription {
  data: SubscriptionData;
  tags: Set<string>;
}

/** A queue this consumer owns: its offset, its held messages, its pull loop. */
interface OwnedQueue {
  queue: MessageQueue;
  process: ProcessQueue;
  nextOffset: number;
}

/**
 * A push consumer (DefaultMQPushConsumer). Clustering: the group's queues are shared out
 * by rebalancing (every 20 s and whenever the broker says the group changed); each owned queue
 * is long-polled; messages go to the listener with a concurrency limit; offsets are committed up
 * to the lowest message still being processed. A listener that throws or answers RECONSUME_LATER
 * gets the message again after retryDelayMs (retry topics come with the reliability features):
 * nothing is skipped. Broadcasting: every member owns every queue and keeps its own offsets in a
 * local file.
 */
export class PushConsumer {
  readonly instance: ClientInstance;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly owned = new Map<string, OwnedQueue>();
  private readonly offsets: OffsetStore;
  private listener: MessageListener | undefined;
  private running = false;
  private rebalancing: Promise<void> | undefined;
  private rebalanceAgain = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly consuming = new Set<Promise<void>>();
  private readonly startedAt = Date.now();

  constructor(private readonly options: PushConsumerOptions) {
    if (!options.consumerGroup) throw new MQClientError('consumerGroup is required');
    this.instance = new ClientInstance(options);
    this.offsets =
      options.messageModel === 'BROADCASTING'
        ? new LocalFileOffsetStore(
            options.offsetStoreDir ?? join(homedir(), '.rocketnest_offsets'),
            this.instance.clientId,
            options.consumerGroup,
          )
        : new RemoteOffsetStore(this.instance, options.consumerGroup, (brokerName) => this.masterOf(brokerName));
    this.instance.heartbeat = () => ({ producerDataSet: [], consumerDataSet: [this.consumerData()] });
    this.instance.remoting.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, () => {
      this.rebalance();
      return null;
    });
  }

  /** Subscribe to a topic: '*' for every message, or tags as 'TagA || TagB'. */
  subscribe(topic: string, expression = '*'): this {
    const tags = expression
      .split('||')
      .map((tag) => tag.trim())
      .filter((tag) => tag.length > 0 && tag !== '*');
    this.subscriptions.set(topic, {
      data: {
        topic,
        subString: tags.length === 0 ? '*' : expression,
        tagsSet: tags,
        codeSet: tags.map((tag) => tagsCode(tag)),
        subVersion: Date.now(),
        expressionType: 'TAG',
        classFilterMode: false,
      },
      tags: new Set(tags),
    });
    return this;
  }

  onMessage(listener: MessageListener): this {
    this.listener = listener;
    return this;
  }

  async start(): Promise<void> {
    if (!this.listener) throw new MQClientError('no listener: call onMessage(listener) before start()');
    if (this.subscriptions.size === 0)
      throw new MQClientError('no subscription: call subscribe(topic, expression) before start()');
    this.running = true;
    this.instance.start();
    for (const topic of this.subscriptions.keys()) await this.instance.route(topic);
    await this.instance.sendHeartbeats();
    const every = (ms: number, task: () => Promise<void> | void) => {
      const timer = setInterval(() => void Promise.resolve(task()).catch(() => {}), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.rebalanceInterval ?? 20_000, () => this.rebalance());
    every(this.options.persistConsumerOffsetInterval ?? 5_000, () => this.offsets.persist());
    await this.rebalance();
  }

  private consumerData(): ConsumerData {
    return {
      groupName: this.options.consumerGroup,
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: this.options.messageModel ?? 'CLUSTERING',
      consumeFromWhere: this.options.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET',
      subscriptionDataSet: [...this.subscriptions.values()].map((s) => s.data),
      unitMode: false,
    };
  }

  /** Share the queues out again; a call during one runs once more after it. */
  rebalance(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.rebalancing) {
      this.rebalanceAgain = true;
      return this.rebalancing;
    }
    this.rebalancing = (async () => {
      do {
        this.rebalanceAgain = false;
        for (const topic of this.subscriptions.keys()) await this.rebalanceTopic(topic).catch(() => undefined);
      } while (this.rebalanceAgain && this.running);
    })().finally(() => (this.rebalancing = undefined));
    return this.rebalancing;
  }

  private async rebalanceTopic(topic: string): Promise<void> {
    const route = await this.instance.refreshRoute(topic);
    if (!route) return;
    const all = sortQueues(readQueues(topic, route));
    const mine = !this.running
      ? []
      : this.options.messageModel === 'BROADCASTING'
        ? all
        : (this.options.allocate ?? allocateAveragely)(
            this.options.consumerGroup,
            this.instance.clientId,
            all,
            (await this.clientIds(route)).sort(),
          );
    const keep = new Set(mine.map(queueKey));
    for (const [key, owned] of [...this.owned]) {
      if (owned.queue.topic !== topic || keep.has(key)) continue;
      await this.release(key, owned);
    }
    for (const queue of mine) {
      const key = queueKey(queue);
      if (this.owned.has(key)) continue;
      const offset = await this.startOffset(queue).catch(() => -2);
      // Not this round: the offset could not be read (a broker down, say).
      if (offset < 0) continue;
      const owned: OwnedQueue = { queue, process: new ProcessQueue(), nextOffset: offset };
      this.owned.set(key, owned);
      void this.pullLoop(owned);
    }
  }

  /** Stop pulling a queue, wait for its messages in hand, and commit where it got to. */
  private async release(key: string, owned: OwnedQueue): Promise<void> {
    owned.process.dropped = true;
    this.owned.delete(key);
    await this.offsets.persist([owned.queue]);
    this.offsets.remove(owned.queue);
  }

  private async clientIds(route: TopicRouteData): Promise<string[]> {
    for (const broker of route.brokerDatas) {
      const address = broker.brokerAddrs[String(MASTER_ID)];
      if (!address) continue;
      const response = await this.instance.remoting
        .invoke(
          address,
          createRequest(RequestCode.GET_CONSUMER_LIST_BY_GROUP, {
            extFields: { consumerGroup: this.options.consumerGroup },
          }),
        )
        .catch(() => undefined);
      if (response?.code === ResponseCode.SUCCESS && response.body) {
        return (JSON.parse(response.body.toString()) as { consumerIdList: string[] }).consumerIdList;
      }
    }
    return [this.instance.clientId];
  }

  /** Where a newly owned queue starts: the group's offset, or consumeFromWhere when it has none. */
  private async startOffset(queue: MessageQueue): Promise<number> {
    const committed = await this.offsets.read(queue);
    if (committed >= 0) return committed;
    const where = this.options.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET';
    if (where === 'CONSUME_FROM_FIRST_OFFSET') return 0;
    const address = await this.masterOf(queue.brokerName);
    if (!address) return -2;
    if (where === 'CONSUME_FROM_TIMESTAMP') {
      const timestamp = this.options.consumeTimestamp ?? this.startedAt - 30 * 60_000;
      return this.offsetAnswer(
        address,
        RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
        SearchOffsetRequestHeader.encode({ topic: queue.topic, queueId: queue.queueId, timestamp }),
      );
    }
    return this.offsetAnswer(
      address,
      RequestCode.GET_MAX_OFFSET,
      GetMaxOffsetRequestHeader.encode({ topic: queue.topic, queueId: queue.queueId }),
    );
  }

  private async offsetAnswer(address: string, code: number, extFields: Record<string, string>): Promise<number> {
    const response = await this.instance.remoting.invoke(address, createRequest(code, { extFields }));
    if (response.code !== ResponseCode.SUCCESS) throw new MQBrokerError(response.code, response.remark, address);
    return Number(response.extFields['offset']);
  }

  private async masterOf(brokerName: string): Promise<string | undefined> {
    for (const topic of this.subscriptions.keys()) {
      const route = await this.instance.route(topic);
      const broker = route?.brokerDatas.find((b) => b.brokerName === brokerName);
      if (broker?.brokerAddrs[String(MASTER_ID)]) return broker.brokerAddrs[String(MASTER_ID)];
    }
    return undefined;
  }

  /** Long-poll one queue until it is dropped, holding back while too much is unconsumed. */
  private async pullLoop(owned: OwnedQueue): Promise<void> {
    const { queue, process } = owned;
    const subscription = this.subscriptions.get(queue.topic)!;
    const maxCount = this.options.pullThresholdForQueue ?? 1000;
    const maxBytes = (this.options.pullThresholdSizeForQueue ?? 100) * 1024 * 1024;
    const suspendMs = this.options.brokerSuspendMaxTimeMillis ?? 15_000;
    while (!process.dropped && this.running) {
      if (process.count > maxCount || process.bytes > maxBytes) {
        await sleep(50);
        continue;
      }
      let response: RemotingCommand;
      try {
        const address = await this.masterOf(queue.brokerName);
        if (!address) throw new MQClientError(`no master for broker ${queue.brokerName}`);
        const commitOffset = process.commitOffset();
        response = await this.instance.remoting.invoke(
          address,
          createRequest(RequestCode.PULL_MESSAGE, {
            extFields: PullMessageRequestHeader.encode({
              consumerGroup: this.options.consumerGroup,
              topic: queue.topic,
              queueId: queue.queueId,
              queueOffset: owned.nextOffset,
              maxMsgNums: this.options.pullBatchSize ?? 32,
              sysFlag:
                PullSysFlag.SUSPEND | PullSysFlag.SUBSCRIPTION | (commitOffset > 0 ? PullSysFlag.COMMIT_OFFSET : 0),
              commitOffset: Math.max(0, commitOffset),
              suspendTimeoutMillis: suspendMs,
              subscription: subscription.data.subString,
              subVersion: subscription.data.subVersion,
              expressionType: 'TAG',
            }),
          }),
          { timeoutMs: suspendMs + 15_000 },
        );
      } catch {
        if (!process.dropped && this.running) await sleep(3000, undefined, { ref: false });
        continue;
      }
      if (process.dropped) return;
      const next = Number(response.extFields['nextBeginOffset'] ?? owned.nextOffset);
      switch (response.code) {
        case ResponseCode.SUCCESS: {
          // The broker filters by tag hash; the tag itself is compared here, as RocketMQ's client does.
          const messages = decodeStoredMessages(response.body ?? Buffer.alloc(0))
            .map((stored) => receivedMessage(stored, queue.brokerName))
            .filter((m) => subscription.tags.size === 0 || (m.tags !== undefined && subscription.tags.has(m.tags)));
          process.add(messages);
          process.advance(next);
          owned.nextOffset = next;
          if (messages.length === 0) this.offsets.update(queue, process.commitOffset());
          this.dispatch(owned, messages);
          break;
        }
        case ResponseCode.PULL_NOT_FOUND:
        case ResponseCode.PULL_RETRY_IMMEDIATELY:
          process.advance(next);
          owned.nextOffset = next;
          if (process.count === 0) this.offsets.update(queue, next);
          break;
        case ResponseCode.PULL_OFFSET_MOVED:
          owned.nextOffset = next;
          process.advance(next);
          this.offsets.update(queue, next);
          await this.offsets.persist([queue]);
          break;
        default:
          await sleep(3000, undefined, { ref: false });
      }
    }
  }

  /** Hand messages to the listener in batches, within the concurrency limit. */
  private dispatch(owned: OwnedQueue, messages: ReceivedMessage[]): void {
    const batchSize = this.options.consumeMessageBatchMaxSize ?? 1;
    for (let i = 0; i < messages.length; i += batchSize) {
      const batch = messages.slice(i, i + batchSize);
      const consumed = this.consume(owned, batch).finally(() => this.consuming.delete(consumed));
      this.consuming.add(consumed);
    }
  }

  private async consume(owned: OwnedQueue, batch: ReceivedMessage[]): Promise<void> {
    for (;;) {
      await this.acquire();
      let result: ConsumeResult | void;
      try {
        result = await this.listener!(batch);
      } catch {
        result = 'RECONSUME_LATER';
      } finally {
        this.releaseSlot();
      }
      if (result !== 'RECONSUME_LATER') break;
      // Not consumed: held (so its offset is not committed past it) and given again later.
      if (owned.process.dropped || !this.running) return;
      for (const message of batch) message.reconsumeTimes++;
      await sleep(this.options.retryDelayMs ?? 1000);
      if (owned.process.dropped || !this.running) return;
    }
    const offset = owned.process.remove(batch);
    if (offset >= 0 && !owned.process.dropped) this.offsets.update(owned.queue, offset);
  }

  private async acquire(): Promise<void> {
    if (this.inFlight < (this.options.concurrency ?? 20)) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
  }

  private releaseSlot(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }

  /** Queues this consumer owns now. */
  get assignedQueues(): MessageQueue[] {
    return [...this.owned.values()].map((owned) => owned.queue);
  }

  /**
   * Stop pulling, let the listener finish what it holds (up to timeoutMs), commit offsets,
   * leave the group, and close.
   */
  async shutdown(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const timer of this.timers) clearInterval(timer);
    await this.rebalancing;
    await Promise.race([Promise.allSettled([...this.consuming]), sleep(timeoutMs, undefined, { ref: false })]);
    for (const owned of this.owned.values()) owned.process.dropped = true;
    await this.offsets.persist();
    const masters = this.instance.brokerMasters();
    await Promise.all(
      [...masters].map((address) =>
        this.instance.remoting
          .invoke(
            address,
            createRequest(RequestCode.UNREGISTER_CLIENT, {
              extFields: UnregisterClientRequestHeader.encode({
                clientID: this.instance.clientId,
                consumerGroup: this.options.consumerGroup,
              }),
            }),
          )
          .catch(() => undefined),
      ),
    );
    this.owned.clear();
    await this.instance.shutdown();
  }
}

/** The queues consumers read: readQueueNums of each readable queue data whose broker has a master. */
function readQueues(topic: string, route: TopicRouteData): MessageQueue[] {
  const masters = new Set(route.brokerDatas.filter((b) => b.brokerAddrs[String(MASTER_ID)]).map((b) => b.brokerName));
  const queues: MessageQueue[] = [];
  for (const data of route.queueDatas) {
    if (!isReadable(data.perm) || !masters.has(data.brokerName)) continue;
    for (let queueId = 0; queueId < data.readQueueNums; queueId++)
      queues.push({ topic, brokerName: data.brokerName, queueId });
  }
  return queues;
}
