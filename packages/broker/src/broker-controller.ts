import {
  accessChecked,
  BROKER_ADMIN_CODES,
  PlainAccessValidator,
  PlainPermissionManager,
  startAccessControl,
} from '@rocketnest/acl';
import { type Logger, PeriodicTasks, consoleLogger } from '@rocketnest/common';
import {
  createRequest,
  MASTER_ID,
  signRequest,
  NotifyConsumerIdsChangedRequestHeader,
  RequestCode,
} from '@rocketnest/protocol';
import { RemotingClient, RemotingServer, serverTlsOptions, type ProcessTls } from '@rocketnest/remoting';
import { DefaultMessageStore, defaultStoreConfig, type MessageStore, type MessageStoreConfig } from '@rocketnest/store';
import { defaultBrokerConfig, namesrvAddresses, validateBrokerConfig, type BrokerConfig } from './broker-config.js';
import type { BrokerContext } from './broker-context.js';
import { BrokerOuterAPI, type MasterAddresses } from './broker-outer-api.js';
import { BrokerStats } from './broker-stats.js';
import { ClientHousekeeping } from './client-housekeeping.js';
import { ConsumerManager, type ConsumerGroup } from './consumer-manager.js';
import { ConsumerOffsetManager } from './consumer-offset-manager.js';
import { ProducerManager } from './producer-manager.js';
import { processorTable } from './processors/processor-table.js';
import { RebalanceLockManager } from './rebalance-lock-manager.js';
import { PullRequestHoldService } from './pull-request-hold-service.js';
import { ScheduleMessageService } from './schedule/schedule-message-service.js';
import { TimerMessageService } from './schedule/timer-message-service.js';
import { HAClient } from './ha/ha-client.js';
import { HAService, type SlaveAck } from './ha/ha-service.js';
import { masterStillThere } from './ha/live-master.js';
import { SlaveSynchronize } from './slave-synchronize.js';
import { StoreLock } from './store-lock.js';
import { reportRetention } from './retention-report.js';
import { keptStateSteps, runShutdownSteps } from './shutdown-steps.js';
import { SubscriptionGroupManager } from './subscription-group-manager.js';
import { TopicConfigManager } from './topic-config-manager.js';
import { TransactionalMessageService } from './transaction/transactional-message-service.js';

export interface BrokerControllerOptions {
  logger?: Logger | undefined;
  remotingLogger?: Logger | undefined;
  /** The store to serve; by default a file store (DefaultMessageStore) with the store settings. */
  store?: MessageStore | undefined;
  storeLogger?: Logger | undefined;
  /** The broker.conf it was started with, which updateBrokerConfig writes. */
  configFile?: string | undefined;
}

/** How often a slave copies its master's tables (SlaveSynchronize's period in RocketMQ). */
const SLAVE_SYNC_INTERVAL_MS = 10_000;

/**
 * The broker (BrokerController): a remoting server with one small processor per request code
 * over the store, the topic, group and offset tables, long polling, and registration with every
 * NameServer it is given.
 */
export class BrokerController implements BrokerContext {
  readonly config: BrokerConfig;
  readonly storeConfig: MessageStoreConfig;
  readonly store: MessageStore;
  readonly topics: TopicConfigManager;
  readonly groups: SubscriptionGroupManager;
  readonly offsets: ConsumerOffsetManager;
  readonly consumers: ConsumerManager;
  readonly producers = new ProducerManager();
  readonly stats: BrokerStats;
  readonly locks = new RebalanceLockManager();
  readonly schedule: ScheduleMessageService;
  readonly timerMessages: TimerMessageService;
  readonly transactions: TransactionalMessageService;
  private readonly hold = new PullRequestHoldService();
  /** A slave's copies of its master's tables. */
  private readonly slaveSync: SlaveSynchronize;
  /** A master's HA port, which its slaves replicate the CommitLog from. */
  private ha: HAService | undefined;
  /** A slave's replication from its master's HA port. */
  private haClient: HAClient | undefined;
  /** The HA port listened on (haListenPort, or the free port taken for 0). */
  private haPort: number;
  readonly logger: Logger;
  readonly configFile: string | undefined;
  readonly useTLS: boolean;
  readonly acl: PlainPermissionManager | undefined;
  /** brokerIP1 and the port listened on: known once start() has bound it. */
  storeHost = '';
  private readonly server: RemotingServer;
  /** The same processors but PULL_MESSAGE on listenPort - 2, when listenPort is set and that port free. */
  private vipServer: RemotingServer | undefined;
  private readonly namesrvClient: RemotingClient;
  private readonly outerAPI: BrokerOuterAPI;
  private readonly tasks = new PeriodicTasks((error) => this.logger.error(error.message));
  /** Tasks of the master's or the slave's role, stopped when a slave is promoted. */
  private readonly roleTasks = new PeriodicTasks((error) => this.logger.error(error.message));
  private running = false;
  private promoting = false;
  private storeLock: StoreLock | undefined;
  private readonly tls: ProcessTls | undefined;
  private readonly housekeeping: ClientHousekeeping;

  constructor(
    settings: {
      broker?: Partial<BrokerConfig>;
      store?: Partial<MessageStoreConfig>;
      tls?: ProcessTls | undefined;
    } = {},
    options: BrokerControllerOptions = {},
  ) {
    this.config = defaultBrokerConfig(settings.broker);
    this.stats = new BrokerStats(this.config.brokerClusterName);
    validateBrokerConfig(this.config, settings.tls);
    this.tls = settings.tls;
    this.useTLS = settings.tls?.server !== undefined;
    this.storeConfig = defaultStoreConfig(settings.store);
    this.logger = options.logger ?? consoleLogger('broker');
    this.configFile = options.configFile;
    this.store = options.store ?? new DefaultMessageStore(this.storeConfig, { logger: options.storeLogger });
    // A bad ACL file stops the broker here, before it touches its store or a port.
    this.acl = this.config.aclEnable ? new PlainPermissionManager(this.config.rocketmqHome, this.logger) : undefined;
    const root = this.storeConfig.storePathRootDir;
    const report = (message: string) => this.logger.warn(message);
    this.topics = new TopicConfigManager(this.config, root, report);
    this.groups = new SubscriptionGroupManager(root, this.config, report);
    this.offsets = new ConsumerOffsetManager(root, report);
    this.consumers = new ConsumerManager((group) => this.notifyConsumerIdsChanged(group));
    this.housekeeping = new ClientHousekeeping(this.config, this.consumers, this.producers, this.logger);
    this.schedule = new ScheduleMessageService(this);
    this.timerMessages = new TimerMessageService(this);
    this.transactions = new TransactionalMessageService(this);
    const limits = {
      maxConnections: this.config.maxConnections,
      maxConnectionsPerHost: this.config.maxConnectionsPerHost,
      ...serverTlsOptions(settings.tls?.server),
    };
    this.server = new RemotingServer({
      host: this.config.bindAddress,
      port: this.config.listenPort,
      ...limits,
      logger: options.remotingLogger,
    });
    const { accessKey, secretKey } = this.config;
    this.namesrvClient = new RemotingClient({
      logger: options.remotingLogger,
      tls: settings.tls?.client,
      beforeRequest: accessKey ? (request) => signRequest(request, { accessKey, secretKey }) : undefined,
    });
    this.slaveSync = new SlaveSynchronize(this.namesrvClient, this, this.logger);
    this.outerAPI = new BrokerOuterAPI(this.config, this.namesrvClient, this.logger);
    this.haPort = this.config.haListenPort;
    // RocketMQ's VIP channel (fastRemotingServer), which its slaves copy their master's tables over.
    this.vipServer =
      this.config.listenPort > 2
        ? new RemotingServer({
            host: this.config.bindAddress,
            port: this.config.listenPort - 2,
            ...limits,
            logger: options.remotingLogger,
          })
        : undefined;
    for (const server of this.servers)
      server.on('disconnect', (connection) => this.housekeeping.connectionClosed(connection));
    this.topics.onChange = () => {
      if (this.running) void this.registerToNamesrvs();
    };
  }

  /** host:port clients reach this broker at (brokerIP1 and the port listened on). */
  get brokerAddr(): string {
    return `${this.config.brokerIP1}:${this.server.address.port}`;
  }

  private get servers(): RemotingServer[] {
    return this.vipServer ? [this.server, this.vipServer] : [this.server];
  }

  get port(): number {
    return this.server.address.port;
  }

  /** Client connections open on both ports, and pulls held for messages to come (metrics). */
  get load(): { connections: number; heldPulls: number } {
    return {
      connections: this.servers.reduce((n, server) => n + server.connections.size, 0),
      heldPulls: this.hold.size,
    };
  }

  private registerProcessors(broker: BrokerContext): void {
    const validator = this.acl && new PlainAccessValidator(this.acl, BROKER_ADMIN_CODES);
    for (const [code, checked, options] of processorTable(broker, this.hold, this.transactions)) {
      const processor = validator ? accessChecked(validator, checked) : checked;
      this.server.registerProcessor(code, processor, options);
      // As in RocketMQ, pulls are served on the main port only.
      if (code !== RequestCode.PULL_MESSAGE) this.vipServer?.registerProcessor(code, processor, options);
    }
  }

  /** Lock the store, open it and the config files, listen, and register with the NameServers. */
  async start(): Promise<void> {
    // Before any file of the store is read or written: one broker per store.
    const lock = (this.storeLock = await StoreLock.acquire(this.storeConfig.storePathRootDir));
    await this.open().catch(async (error: unknown) => {
      await lock.release();
      throw error;
    });
  }

  private async open(): Promise<void> {
    // Offsets first: retention at the store's start reports the groups it deleted messages of.
    this.offsets.load();
    reportRetention(this.store, this.offsets, this.logger);
    await this.store.start();
    this.topics.load();
    this.groups.load();
    await this.server.listen();
    await this.vipServer?.listen().catch((error: unknown) => {
      this.logger.warn(
        `${(error as Error).message}: RocketMQ clients and slaves that use the VIP channel (listenPort - 2) cannot reach this broker there`,
      );
      this.vipServer = undefined;
    });
    this.storeHost = this.brokerAddr;
    startAccessControl(this.acl, this.logger, {
      host: this.config.bindAddress,
      port: this.port,
      anyoneCan: "send to and read any topic, create and delete topics and reset any group's offsets",
    });
    this.registerProcessors(this);
    this.store.onMessageArrival((arrival) => {
      this.ha?.written();
      if (this.config.brokerRole === 'SLAVE') this.topics.noteReplicated(arrival.topic, arrival.queueId);
      this.hold.messageArrived(arrival.topic, arrival.queueId, arrival.maxOffset, arrival.tagsCode);
      this.schedule.messageArrived(arrival);
      this.timerMessages.messageArrived(arrival);
    });
    await this.startRole();
    this.running = true;
    this.tasks.every(this.config.flushConsumerOffsetInterval, () => this.offsets.persist());
    this.tasks.every(10_000, () => this.housekeeping.expireClients());
    this.tasks.every(this.config.registerNameServerPeriod, () => this.registerToNamesrvs());
    await this.registerToNamesrvs();
  }

  /**
   * A master delivers held messages, checks transactions and listens on its HA port; a slave
   * keeps held messages for when it takes over, and copies its master's log and tables.
   */
  private async startRole(): Promise<void> {
    if (this.config.brokerRole === 'SLAVE') {
      this.startReplicating();
      this.roleTasks.every(SLAVE_SYNC_INTERVAL_MS, () => this.slaveSync.syncAll());
      return;
    }
    this.schedule.start();
    this.timerMessages.start();
    this.roleTasks.every(this.config.transactionCheckInterval, () => this.transactions.check());
    this.roleTasks.every(this.config.flushDelayOffsetInterval, () => {
      this.schedule.persist();
      this.timerMessages.persist();
    });
    await this.listenForSlaves();
  }

  /**
   * PROMOTE_TO_MASTER: this slave becomes the master of its brokerName (brokerId 0, in role),
   * without a restart, once its master is gone for good. Its log ends after the last whole record
   * replicated, which holds every message a SYNC_MASTER acknowledged. Refused while a NameServer
   * lists a master or the old one answers. Resolves with what was done.
   */
  async promoteToMaster(role: 'ASYNC_MASTER' | 'SYNC_MASTER'): Promise<string> {
    const { brokerName } = this.config;
    if (this.config.brokerRole !== 'SLAVE') {
      throw new Error(`${brokerName} at ${this.brokerAddr} is already a master (${this.config.brokerRole})`);
    }
    if (this.promoting) throw new Error(`${brokerName} at ${this.brokerAddr} is being promoted already`);
    this.promoting = true;
    try {
      const oldMaster = this.slaveSync.masterAddr;
      const refusal = await masterStillThere(this.namesrvClient, {
        brokerName,
        namesrvs: namesrvAddresses(this.config.namesrvAddr),
        remoting: [oldMaster],
        ha: this.haClient?.masterAddress,
      });
      if (refusal) throw new Error(refusal);
      await this.haClient?.close();
      this.haClient = undefined;
      this.roleTasks.stop();
      const end = (await this.store.endReplication?.()) ?? this.store.getMaxPhyOffset();
      const slaveId = this.config.brokerId;
      this.config.brokerId = MASTER_ID;
      this.config.brokerRole = role;
      await this.startRole();
      if (oldMaster) await this.outerAPI.unregister(oldMaster, true);
      await this.registerToNamesrvs();
      const done = `${brokerName} at ${this.brokerAddr} (brokerId ${slaveId} until now) is its ${role}, brokerId 0; its CommitLog ends at ${end}`;
      this.logger.warn(`promoted: ${done}`);
      return done;
    } finally {
      this.promoting = false;
    }
  }

  get slaveAckOffset(): number {
    return this.ha?.slaveAckOffset ?? -1;
  }

  waitForSlave(end: number): Promise<SlaveAck> {
    if (!this.ha) return Promise.resolve('NOT_AVAILABLE');
    const { slaveTimeout, haSlaveFallbehindMax } = this.config;
    return this.ha.waitForSlave(end, slaveTimeout, haSlaveFallbehindMax, this.store.getMaxPhyOffset());
  }

  /** A master listens on its HA port, from which its slaves replicate. Only the file store replicates. */
  private async listenForSlaves(): Promise<void> {
    const { readReplica } = this.store;
    if (!readReplica) return;
    const ha = new HAService(
      { readReplica: readReplica.bind(this.store), getMaxPhyOffset: () => this.store.getMaxPhyOffset() },
      this.storeConfig.mappedFileSizeCommitLog,
      this.logger,
      this.config.haTlsEnable ? this.tls?.server?.options : undefined,
    );
    this.haPort = await ha.listen(this.config.bindAddress, this.config.haListenPort);
    this.ha = ha;
  }

  /** A slave replicates from its master's HA port, named by haMasterAddress or learnt at registration. */
  private startReplicating(): void {
    const { appendReplica } = this.store;
    if (!appendReplica) {
      this.logger.warn('this slave keeps its messages in memory: it copies its master’s tables, not its CommitLog');
      return;
    }
    this.haClient = new HAClient(
      { appendReplica: appendReplica.bind(this.store), getMaxPhyOffset: () => this.store.getMaxPhyOffset() },
      this.logger,
      this.config.haTlsEnable ? this.tls?.client : undefined,
    );
    if (this.config.haMasterAddress) this.haClient.masterAt(this.config.haMasterAddress);
    this.haClient.start();
  }

  /** REGISTER_BROKER to every NameServer; failures are logged and retried at the next period. */
  async registerToNamesrvs(): Promise<void> {
    // Only a broker that listens on an HA port names one.
    const haServerAddr = this.ha ? `${this.config.brokerIP2}:${this.haPort}` : '';
    await this.outerAPI.register(this.brokerAddr, haServerAddr, this.topics.wrapper(), (master) =>
      this.registered(master),
    );
  }

  /**
   * A slave learns its master's addresses from the answer: it replicates from the HA one (unless
   * haMasterAddress names it), and copies the master's tables when the remoting one changes.
   */
  private registered({ masterAddr, haServerAddr }: MasterAddresses): void {
    if (this.config.brokerRole !== 'SLAVE') return;
    if (haServerAddr && !this.config.haMasterAddress) this.haClient?.masterAt(haServerAddr);
    if (!masterAddr || masterAddr === this.slaveSync.masterAddr) return;
    this.logger.info(`master of ${this.config.brokerName} is at ${masterAddr}: copying its topics, groups and offsets`);
    this.slaveSync.masterAddr = masterAddr;
    void this.slaveSync.syncAll();
  }

  /** Tell every member of a group that its members or subscriptions changed, so that they rebalance. */
  private notifyConsumerIdsChanged(group: ConsumerGroup): void {
    if (!this.config.notifyConsumerIdsChangedEnable) return;
    if (this.groups.find(group.groupName)?.notifyConsumerIdsChangedEnable === false) return;
    const extFields = NotifyConsumerIdsChangedRequestHeader.encode({ consumerGroup: group.groupName });
    for (const connection of group.channels.keys()) {
      this.server
        .invokeOneway(connection, createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { extFields, oneway: true }))
        .catch(() => {});
    }
  }

  /**
   * Stop serving, then write what is kept and close the store. Each of those last steps is tried
   * whatever the others did, and the store lock is released in any case: a full disk must not
   * keep the broker from stopping, or the next one from starting.
   */
  async shutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.tasks.stop();
    this.roleTasks.stop();
    this.stats.close();
    this.acl?.stop();
    await this.outerAPI.unregister(this.brokerAddr);
    this.hold.releaseAll();
    for (const server of this.servers) await server.close();
    await this.haClient?.close();
    await this.ha?.close();
    try {
      await runShutdownSteps(keptStateSteps(this), this.logger);
    } finally {
      // Whatever the disk did, the next broker may open this store.
      await this.storeLock?.release();
      await this.namesrvClient.close();
    }
  }
}
