import { PeriodicTasks } from '@rocketnest/common';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  compileSql92,
  createRequest,
  encodeJsonBody,
  GetMaxOffsetRequestHeader,
  MASTER_ID,
  groupNameProblem,
  RequestCode,
  ResponseCode,
  ResetOffsetRequestHeader,
  SearchOffsetRequestHeader,
  sqlSubscription,
  tagSubscription,
  topicNameProblem,
  UnregisterClientRequestHeader,
  type ConsumeType,
  type ConsumerData,
  type MessageModel,
  type TopicRouteData,
  GetConsumerListByGroupRequestHeader,
  OffsetResponseHeader,
} from '@rocketnest/protocol';
import { allocateAveragely, queueKey, sortQueues, type AllocateStrategy } from './allocate.js';
import { BrokerAddresses } from './broker-addresses.js';
import { MessageSelector } from './message-selector.js';
import { ClientInstance, type ClientOptions } from './client-instance.js';
import { ConsumerStats, serveConsumerRequests, type HeldQueue } from './consumer-status.js';
import { traceDispatcher, type TraceDispatcher, type TraceOptions } from './message-trace.js';
import { traceSender } from './producer.js';
import { pullQueue, type Puller, type PullResult, type Subscription } from './pull-queue.js';
import { MQBrokerError, MQClientError } from './errors.js';
import { LocalFileOffsetStore } from './local-offset-store.js';
import { RemoteOffsetStore, type OffsetStore } from './offset-store.js';
import type { ReceivedMessage } from './received-message.js';
import { mastersOf, queueMap, routeQueues, type MessageQueue } from './topic-route.js';

export type ConsumeFromWhere = 'CONSUME_FROM_LAST_OFFSET' | 'CONSUME_FROM_FIRST_OFFSET' | 'CONSUME_FROM_TIMESTAMP';

/** What push and pull consumers share in their options. */
export interface ConsumerOptions extends ClientOptions, TraceOptions {
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
  /** Messages per pull (default 32). */
  pullBatchSize?: number | undefined;
  /** How long a pull may wait at the broker for new messages (default 15 s). */
  brokerSuspendMaxTimeMillis?: number | undefined;
  rebalanceInterval?: number | undefined;
  persistConsumerOffsetInterval?: number | undefined;
  allocate?: AllocateStrategy | undefined;
  /** Told the queues of a topic this member consumes whenever a rebalance changed them. */
  onRebalance?: ((topic: string, queues: readonly MessageQueue[]) => void) | undefined;
}

/**
 * What a push and a lite pull consumer share (RebalanceImpl and friends): subscriptions, the
 * offset store, rebalancing the group's queues every rebalanceInterval and when the broker says
 * the group changed, where a new queue starts, pulls, and leaving the group.
 */
export abstract class ConsumerBase {
  readonly instance: ClientInstance;
  protected readonly subscriptions = new Map<string, Subscription>();
  private readonly addresses: BrokerAddresses;
  protected readonly offsets: OffsetStore;
  protected running = false;
  private rebalancing: Promise<void> | undefined;
  private rebalanceAgain = false;
  private rebalanceRetry: NodeJS.Timeout | undefined;
  /** Rebalances, offset commits and what the subclass schedules: their failures wait for the next run. */
  private readonly tasks = new PeriodicTasks(() => {});
  private readonly startedAt = Date.now();
  /** Pull and consume figures per topic, for mqadmin consumerStatus and the console. */
  readonly stats = new ConsumerStats();
  private readonly puller: Puller;
  /** Message traces of each listener call, when enableMsgTrace is on. */
  protected readonly traces: TraceDispatcher | undefined;

  constructor(
    protected readonly options: ConsumerOptions,
    private readonly consumeType: ConsumeType,
  ) {
    // RocketMQ's Validators.checkGroup; the group also names the broadcasting offsets' directory.
    const groupProblem = groupNameProblem(options.consumerGroup);
    if (groupProblem) throw new MQClientError(`consumerGroup: ${groupProblem}`);
    this.instance = new ClientInstance(options);
    this.traces = traceDispatcher(options, () => traceSender(options, options.consumerGroup));
    this.addresses = new BrokerAddresses(
      (topic) => this.instance.route(topic),
      () => this.subscriptions.keys(),
    );
    this.puller = { instance: this.instance, addresses: this.addresses, options, stats: this.stats };
    this.offsets =
      options.messageModel === 'BROADCASTING'
        ? new LocalFileOffsetStore(
            options.offsetStoreDir ?? join(homedir(), '.rocketnest_offsets'),
            this.instance.clientId,
            options.consumerGroup,
          )
        : new RemoteOffsetStore(this.instance, options.consumerGroup, (queue) =>
            this.readerOf(queue.brokerName, queue.topic),
          );
    this.instance.heartbeat = () => ({ producerDataSet: [], consumerDataSet: [this.consumerData()] });
    serveConsumerRequests(this.instance, {
      group: options.consumerGroup,
      stats: this.stats,
      properties: () => ({ ...options, PROP_CONSUME_TYPE: consumeType, PROP_CONSUMER_START_TIMESTAMP: this.startedAt }),
      subscriptions: () => [...this.subscriptions.values()].map((subscription) => subscription.data),
      heldQueues: () => this.heldQueues(),
      consumeDirectly: this.consumeDirectly && ((message) => this.consumeDirectly!(message)),
    });
    this.instance.remoting.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, () => {
      void this.rebalance();
      return null;
    });
    this.instance.remoting.registerProcessor(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, (request) => {
      const { group } = ResetOffsetRequestHeader.decode(request.extFields);
      if (group === options.consumerGroup && this.running) void this.resetOffsets(queueMap<number>(request.body));
      return null;
    });
  }

  /**
   * Subscribe to a topic: '*' for every message, tags as 'TagA || TagB', or
   * MessageSelector.bySql(...) for the broker to filter on properties (a malformed expression
   * throws here, with its position).
   */
  subscribe(topic: string, expression: string | MessageSelector = '*'): this {
    const topicProblem = topicNameProblem(topic);
    if (topicProblem) throw new MQClientError(topicProblem);
    const selector = typeof expression === 'string' ? MessageSelector.byTag(expression) : expression;
    if (selector.type === 'SQL92') compileSql92(selector.expression);
    const data =
      selector.type === 'SQL92'
        ? sqlSubscription(topic, selector.expression, Date.now())
        : tagSubscription(topic, selector.expression, Date.now());
    this.subscriptions.set(topic, { data, tags: new Set(data.tagsSet) });
    return this;
  }

  /** Ask the brokers whether they take the SQL92 subscriptions (CHECK_CLIENT_CONFIG); throw when one refuses. */
  private async checkSubscriptions(): Promise<void> {
    for (const { data } of this.subscriptions.values()) {
      if (data.expressionType !== 'SQL92') continue;
      const route = await this.instance.route(data.topic);
      for (const address of route ? mastersOf(route).values() : []) {
        const response = await this.instance.remoting.invoke(
          address,
          createRequest(RequestCode.CHECK_CLIENT_CONFIG, {
            body: encodeJsonBody({
              clientId: this.instance.clientId,
              group: this.options.consumerGroup,
              subscriptionData: data,
            }),
          }),
        );
        if (response.code !== ResponseCode.SUCCESS) {
          throw new MQBrokerError(
            response.code,
            `subscription to ${data.topic} refused: ${response.remark ?? ''}`,
            address,
          );
        }
      }
    }
  }

  /** Whether the consumer shares out its subscriptions' queues itself (else it was assigned them). */
  protected get rebalances(): boolean {
    return true;
  }

  /** Start the client, heartbeat, and take this member's share of the queues. */
  protected async startConsuming(): Promise<void> {
    this.running = true;
    this.instance.start();
    for (const topic of this.subscriptions.keys()) await this.instance.route(topic);
    await this.checkSubscriptions().catch(async (error: unknown) => {
      this.running = false;
      await this.instance.shutdown();
      throw error;
    });
    await this.instance.sendHeartbeats();
    if (this.rebalances) this.every(this.options.rebalanceInterval ?? 20_000, () => this.rebalance());
    this.every(this.options.persistConsumerOffsetInterval ?? 5_000, () => this.persistOffsets());
    await this.rebalance();
  }

  /** Run a task every ms until the consumer stops; its failures wait for the next run. */
  protected every(ms: number, task: () => Promise<void> | void): void {
    this.tasks.every(ms, task);
  }

  /** Move the offsets of what was consumed into the store, then commit them. */
  protected abstract persistOffsets(): Promise<void>;
  protected abstract owns(key: string): boolean;
  /** Begin reading a queue from an offset. */
  protected abstract addQueue(queue: MessageQueue, offset: number): void;
  /** Stop reading a queue another member owns now; commit where it got to. */
  protected abstract removeQueue(key: string): Promise<void>;
  /** Keys of the queues of a topic read now. */
  protected abstract ownedKeys(topic: string): string[];
  /** The broker moved the group's offsets (a rewind): read these queues from these offsets now. */
  protected abstract resetOffsets(offsets: [MessageQueue, number][]): Promise<void>;
  /** The queues held now, as mqadmin consumerStatus reports them. */
  protected abstract heldQueues(): HeldQueue[];
  /** Push consumers: give one message to the listener, for mqadmin queryMsgById -g -d. */
  protected consumeDirectly?(message: ReceivedMessage): Promise<{ ok: boolean; remark?: string }>;

  private consumerData(): ConsumerData {
    return {
      groupName: this.options.consumerGroup,
      consumeType: this.consumeType,
      messageModel: this.options.messageModel ?? 'CLUSTERING',
      consumeFromWhere: this.options.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET',
      subscriptionDataSet: [...this.subscriptions.values()].map((s) => s.data),
      unitMode: false,
    };
  }

  /** Share the queues out again; a call during one runs once more after it. */
  rebalance(): Promise<void> {
    if (!this.running || !this.rebalances) return Promise.resolve();
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
    if (!route) {
      // The topic has no route yet: look again in a second, not at the next rebalance (20 s).
      this.rebalanceSoon();
      return;
    }
    const all = sortQueues(routeQueues(topic, route, 'read'));
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
    const before = new Set(this.ownedKeys(topic));
    for (const key of before) if (!keep.has(key)) await this.removeQueue(key);
    for (const queue of mine) {
      if (this.owns(queueKey(queue))) continue;
      // Not yet: another member still holds it (orderly). Try again soon rather than in 20 s.
      if (!(await this.acquireQueue(queue).catch(() => false))) {
        this.rebalanceSoon();
        continue;
      }
      const offset = await this.startOffset(queue).catch(() => -2);
      // Not this round: the offset could not be read (a broker down, say).
      if (offset >= 0) this.addQueue(queue, offset);
    }
    const after = [...this.ownedKeys(topic)];
    if (after.length !== before.size || after.some((key) => !before.has(key))) {
      this.options.onRebalance?.(
        topic,
        all.filter((queue) => this.owns(queueKey(queue))),
      );
    }
  }

  /** May this member start on a queue allocated to it? (An orderly consumer must lock it first.) */
  protected acquireQueue(_queue: MessageQueue): Promise<boolean> {
    return Promise.resolve(true);
  }

  private rebalanceSoon(): void {
    if (this.rebalanceRetry || !this.running) return;
    this.rebalanceRetry = setTimeout(() => {
      this.rebalanceRetry = undefined;
      void this.rebalance();
    }, 1000);
    this.rebalanceRetry.unref();
  }

  private async clientIds(route: TopicRouteData): Promise<string[]> {
    for (const broker of route.brokerDatas) {
      const address = broker.brokerAddrs[String(MASTER_ID)];
      if (!address) continue;
      const response = await this.instance.remoting
        .invoke(
          address,
          createRequest(RequestCode.GET_CONSUMER_LIST_BY_GROUP, {
            extFields: GetConsumerListByGroupRequestHeader.encode({ consumerGroup: this.options.consumerGroup }),
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
  protected async startOffset(queue: MessageQueue): Promise<number> {
    const committed = await this.offsets.read(queue);
    if (committed >= 0) return committed;
    const where = this.options.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET';
    if (where === 'CONSUME_FROM_FIRST_OFFSET') return 0;
    if (where === 'CONSUME_FROM_TIMESTAMP') {
      return this.offsetByTime(queue, this.options.consumeTimestamp ?? this.startedAt - 30 * 60_000);
    }
    return this.maxOffset(queue);
  }

  protected maxOffset(queue: MessageQueue): Promise<number> {
    return this.offsetAnswer(
      queue,
      RequestCode.GET_MAX_OFFSET,
      GetMaxOffsetRequestHeader.encode({ topic: queue.topic, queueId: queue.queueId }),
    );
  }

  protected offsetByTime(queue: MessageQueue, timestamp: number): Promise<number> {
    return this.offsetAnswer(
      queue,
      RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
      SearchOffsetRequestHeader.encode({ topic: queue.topic, queueId: queue.queueId, timestamp }),
    );
  }

  private async offsetAnswer(queue: MessageQueue, code: number, extFields: Record<string, string>): Promise<number> {
    const address = await this.readerOf(queue.brokerName, queue.topic);
    if (!address) throw new MQClientError(`no master or slave for broker ${queue.brokerName}`);
    const response = await this.instance.remoting.invoke(address, createRequest(code, { extFields }));
    if (response.code !== ResponseCode.SUCCESS) throw new MQBrokerError(response.code, response.remark, address);
    return OffsetResponseHeader.decode(response.extFields).offset;
  }

  protected masterOf(brokerName: string, topic?: string): Promise<string | undefined> {
    return this.addresses.master(brokerName, topic);
  }

  /** Where to read a broker's offsets: its master, or while the master is away its lowest slave. */
  protected readerOf(brokerName: string, topic?: string): Promise<string | undefined> {
    return this.addresses.reader(brokerName, topic);
  }

  /** See pullQueue: this consumer's pull of a queue from an offset, committing commitOffset when positive. */
  protected pull(queue: MessageQueue, offset: number, commitOffset: number, expression?: string): Promise<PullResult> {
    const subscription = this.subscriptions.get(queue.topic);
    return pullQueue(this.puller, queue, offset, commitOffset, subscription ?? { expression });
  }

  /** Stop rebalancing and persisting, commit offsets, leave the group, close the client. */
  protected async stopConsuming(): Promise<void> {
    this.running = false;
    this.tasks.stop();
    clearTimeout(this.rebalanceRetry);
    await this.rebalancing;
    await this.persistOffsets();
    const extFields = UnregisterClientRequestHeader.encode({
      clientID: this.instance.clientId,
      consumerGroup: this.options.consumerGroup,
    });
    await Promise.all(
      [...this.instance.brokerAddresses(true)].map((address) =>
        this.instance.remoting
          .invoke(address, createRequest(RequestCode.UNREGISTER_CLIENT, { extFields }))
          .catch(() => undefined),
      ),
    );
    await this.traces?.shutdown();
    await this.instance.shutdown();
    this.stats.close();
  }
}
