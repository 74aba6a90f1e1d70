import { silentLogger } from '@rocketnest/common';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Producer, type BrokerMember } from '@rocketnest/client';
import { BootRetry } from './boot-retry.js';
import { RocketEventBus } from './rocket-event-bus.js';
import { ClusterHealth } from './cluster-health.js';
import { EmbeddedBroker } from './embedded-broker.js';
import { broadcastOffsetDir, ListenerConsumers } from './listener-consumers.js';
import { ListenerOutcomePolicy, type ListenerOutcome, type ListenerRegistration } from './listener-outcome-policy.js';
import { MessageProducer } from './message-producer.js';
import { validateRocketOptions } from './rocket-config.js';
import type { ClusterConnection, RocketModuleOptions } from './rocket-module-options.js';
import { ROCKET_MODULE_OPTIONS } from './rocket.module-definition.js';
import { DEFAULT_CLIENT, ROCKET_CLIENT_NAME } from './rocket.constants.js';
import { jsonSerializer, type RocketSerializer } from './serializer.js';
import { TransactionRegistry, type TransactionHandlerRegistration } from './transaction-registry.js';

export type { ListenerOutcome, ListenerRegistration } from './listener-outcome-policy.js';
export type { TransactionHandlerRegistration } from './transaction-registry.js';

const DEFAULT_GROUP = 'rocketnest';

/**
 * One client's connection: the NameServer address (or the embedded broker started when there is
 * none), the producer, the listeners' consumers (ListenerConsumers), what their results mean
 * (ListenerOutcomePolicy), the transactional handlers (TransactionRegistry) and what the health
 * indicators ask (ClusterHealth). Shutdown goes in dependency order: consumers stop pulling and
 * finish what they hold, then the producers close, then the embedded broker stops.
 */
@Injectable()
export class RocketConnection implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('RocketModule');
  private embedded: EmbeddedBroker | undefined;
  private producerInstance: Producer | undefined;
  private readonly outcomes: ListenerOutcomePolicy;
  private readonly consumers: ListenerConsumers;
  private readonly transactions: TransactionRegistry;
  private readonly health: ClusterHealth;
  private bootRetry: BootRetry | undefined;
  readonly producer: MessageProducer;
  /** Lifecycle events of this client, for @OnRocketEvent methods. */
  readonly events = new RocketEventBus(this.logger);
  namesrvAddr = '';

  constructor(
    @Inject(ROCKET_MODULE_OPTIONS) readonly options: RocketModuleOptions,
    /** Which client this is (RocketModule.forRoot's name). */
    @Inject(ROCKET_CLIENT_NAME) readonly name: string,
  ) {
    validateRocketOptions(options);
    this.outcomes = new ListenerOutcomePolicy(this.logger, (group, request, body) =>
      this.consumers.reply(group, request, body),
    );
    this.outcomes.onOutcome((outcome) =>
      this.events.emit(outcome.outcome === 'acknowledged' ? 'consumed' : outcome.outcome, outcome),
    );
    this.consumers = new ListenerConsumers(this.outcomes, this.logger, (group, topic, queues) =>
      this.events.emit('rebalanced', { client: this.name, group, topic, queues }),
    );
    this.transactions = new TransactionRegistry({ group: this.group, serializer: this.serializer }, this.logger);
    this.health = new ClusterHealth(
      () => this.cluster,
      () => this.consumers.subscribedTopics(),
    );
    this.producer = new MessageProducer(
      () => {
        if (!this.producerInstance) {
          throw new Error('RocketModule is not initialised yet: send from onModuleInit or later');
        }
        return this.producerInstance;
      },
      (message, arg, options) => this.transactions.send(message, arg, options),
      this.serializer,
      (topic, result) => this.events.emit('sent', { client: this.name, topic, result }),
    );
  }

  /** The serializer of this client (module option serializer, JSON by default). */
  get serializer(): RocketSerializer {
    return this.options.serializer ?? jsonSerializer;
  }

  /** Where this client's producers, listeners and health checks connect, and the account they sign with. */
  get cluster(): ClusterConnection {
    const { accessKey, secretKey } = this.options;
    return {
      namesrvAddr: this.namesrvAddr,
      credentials: accessKey && secretKey ? { accessKey, secretKey } : undefined,
      tls: this.options.tls,
      enableMsgTrace: this.options.enableMsgTrace,
    };
  }

  get group(): string {
    return this.options.group ?? DEFAULT_GROUP;
  }

  /** The embedded broker, when this app runs one. */
  get embeddedBroker(): EmbeddedBroker | undefined {
    return this.embedded;
  }

  async onModuleInit(): Promise<void> {
    if (this.options.namesrvAddr) this.namesrvAddr = this.options.namesrvAddr;
    else {
      this.embedded = new EmbeddedBroker(this.options.embedded ?? {}, this.logger);
      this.namesrvAddr = await this.embedded.start();
    }
    this.producerInstance = new Producer({
      ...this.cluster,
      producerGroup: this.group,
      deliverAtFallback: this.options.deliverAtFallback,
      logger: silentLogger,
    });
    await this.producerInstance.start();
  }

  /**
   * Run start (transaction handlers and listeners) once the cluster answers. With failFast, or
   * an embedded broker, an unreachable cluster fails boot; otherwise boot goes on, the cluster is
   * asked again with back-off (1 s doubling to 30 s), health showing it down, and start runs then.
   */
  async startWhenReachable(start: () => Promise<void>): Promise<void> {
    if (this.embedded || this.options.failFast) return start();
    this.bootRetry = new BootRetry(
      () => this.health.ping(3_000),
      start,
      this.logger,
      `set failFast: true to fail boot instead`,
    );
    await this.bootRetry.firstAttempt();
  }

  /** Start a push consumer per group for the listeners found; listeners of one group and topic share a subscription. */
  async startListeners(registrations: readonly ListenerRegistration[]): Promise<void> {
    const topics = registrations.map((registration) => registration.topic);
    await this.embedded?.ensureTopics(topics);
    if (!this.embedded && this.options.createTopics) await this.health.createMissingTopics(topics);
    const label = this.name === DEFAULT_CLIENT ? '' : `${this.name}:`;
    await this.consumers.start(registrations, this.cluster, broadcastOffsetDir(this.embedded?.dataDir), label);
  }

  /** Start a transactional producer per producer group of the handlers found, answering the broker's checks. */
  startTransactionHandlers(handlers: TransactionHandlerRegistration[]): Promise<void> {
    return this.transactions.start(handlers, this.cluster);
  }

  /** Be told what became of every delivery to a listener (RocketTestHarness uses this). */
  onOutcome(listener: (outcome: ListenerOutcome) => void): void {
    this.outcomes.onOutcome(listener);
  }

  /** The NameServer and every broker master answer; each broker's role and replication lag (ClusterHealth.ping). */
  ping(timeoutMs: number): Promise<{ namesrv: string; brokers: BrokerMember[] }> {
    return this.health.ping(timeoutMs);
  }

  /** Messages each listener group has yet to consume, over its topics. */
  /** The listeners (Class.method) of this client that a message of this topic and tag goes to. */
  listenersFor(topic: string, tags: string | undefined): string[] {
    return this.consumers.listenersFor(topic, tags);
  }

  consumerLag(): Promise<Record<string, number>> {
    return this.health.consumerLag();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.bootRetry?.stop();
    await this.consumers.shutdown(this.options.shutdownTimeoutMs ?? 10_000);
    await this.transactions.shutdown();
    await this.producerInstance?.shutdown();
    await this.embedded?.stop();
  }
}
