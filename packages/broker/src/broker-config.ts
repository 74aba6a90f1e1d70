import { typedSettings } from '@rocketnest/common';
import { storeConfigKeys, storeConfigFromProperties, type MessageStoreConfig } from '@rocketnest/store';
import { brokerNameProblem } from '@rocketnest/protocol';
import {
  DEFAULT_METRICS_EXPORTER,
  TLS_KEYS,
  tlsFromProperties,
  type MetricsExporterSettings,
  type ProcessTls,
} from '@rocketnest/remoting';

export type BrokerRole = 'ASYNC_MASTER' | 'SYNC_MASTER' | 'SLAVE';

/** Broker settings by their broker.conf names (BrokerConfig, NettyServerConfig; the metrics exporter's as RocketMQ 5 names them). */
export interface BrokerConfig extends MetricsExporterSettings {
  brokerClusterName: string;
  brokerName: string;
  /** 0 for the master, > 0 for a slave. */
  brokerId: number;
  /** The address clients reach this broker at; registered with the NameServers. */
  brokerIP1: string;
  /** The address slaves replicate from. */
  brokerIP2: string;
  listenPort: number;
  haListenPort: number;
  /** host:port of the master's HA port, for a slave; by default it learns it from the NameServer. */
  haMasterAddress: string;
  /**
   * Replicate over TLS: a master serves its HA port with tls.server.*, a slave connects with
   * tls.enable and tls.client.* (RocketNest's own; RocketMQ 4.9's HA is plain TCP, so an Apache
   * master or slave cannot be the other end).
   */
  haTlsEnable: boolean;
  /** SYNC_MASTER: how long a send waits for a slave to have its bytes before FLUSH_SLAVE_TIMEOUT. */
  slaveTimeout: number;
  /** SYNC_MASTER: a slave this many bytes behind is as good as none (SLAVE_NOT_AVAILABLE). */
  haSlaveFallbehindMax: number;
  /**
   * A master answers pulls of data it no longer holds in memory (beyond accessMessageInMemoryMaxRatio)
   * with the group's whichBrokerWhenConsumeSlowly (a slave) as suggestWhichBrokerId.
   */
  slaveReadEnable: boolean;
  /** Address to bind: 0.0.0.0 serves other hosts, 127.0.0.1 this one only. */
  bindAddress: string;
  /** NameServer addresses, host:port separated by ';'. Empty: run without one. */
  namesrvAddr: string;
  brokerRole: BrokerRole;
  /** PermName bits of the whole broker: 6 read and write. */
  brokerPermission: number;
  autoCreateTopicEnable: boolean;
  autoCreateSubscriptionGroup: boolean;
  /** Check every request against the accounts of rocketmqHome/conf/plain_acl.yml (ACL 1.0). */
  aclEnable: boolean;
  /** The directory whose conf/plain_acl.yml and conf/acl/*.yml hold the ACL (default: ROCKETMQ_HOME). */
  rocketmqHome: string;
  /**
   * The account this broker signs its own requests with (registration with NameServers that have
   * aclEnable on, a slave's copying of its master's tables); empty: unsigned.
   */
  accessKey: string;
  secretKey: string;
  /** Connections open at once at most, and from one host, on each port (RocketNest's own limits). */
  maxConnections: number;
  maxConnectionsPerHost: number;
  /** A topic with more read or write queues than this is refused (RocketNest's own limit). */
  maxQueueNumsPerTopic: number;
  /** Topics this broker keeps at most, its system topics included (RocketNest's own limit). */
  maxTopicNums: number;
  /** Consumer groups this broker keeps at most (RocketNest's own limit). */
  maxSubscriptionGroupNums: number;
  /** Queues of an auto-created topic (TBW102 has this many; a topic gets min(4, this)). */
  defaultTopicQueueNums: number;
  registerNameServerPeriod: number;
  /** Hold pulls that find nothing until a message arrives or their suspend timeout. */
  longPollingEnable: boolean;
  shortPollingTimeMills: number;
  notifyConsumerIdsChangedEnable: boolean;
  /** A client not heard from for this long is dropped (clients heartbeat every 30 s). */
  channelExpiredTimeout: number;
  flushConsumerOffsetInterval: number;
  /** How often delay level and timer progress is written (config/delayOffset.json). */
  flushDelayOffsetInterval: number;
  regionId: string;
  traceOn: boolean;
  enablePropertyFilter: boolean;
  rejectTransactionMessage: boolean;
  /** Keep replies of request-reply in the reply topic as well as pushing them. */
  storeReplyMessageEnable: boolean;
  /** How often unresolved half messages are looked at (ms). */
  transactionCheckInterval: number;
  /** A half message younger than this is not checked yet (ms). */
  transactionTimeOut: number;
  /** Checks after which an unresolved half message is discarded. */
  transactionCheckMax: number;
  /** Serve RocketMQ 5's gRPC MessagingService beside the broker (for Apache's v5 clients; @rocketnest/grpc). */
  grpcServerEnable: boolean;
  /** Its port: 8081 as RocketMQ 5's proxy, or a free one for a broker on a free port (0). */
  grpcServerPort: number;
}

export function defaultBrokerConfig(overrides: Partial<BrokerConfig> = {}): BrokerConfig {
  const listenPort = overrides.listenPort ?? 10911;
  return {
    brokerClusterName: 'DefaultCluster',
    brokerName: 'broker-a',
    brokerId: 0,
    brokerIP1: '127.0.0.1',
    brokerIP2: overrides.brokerIP1 ?? '127.0.0.1',
    listenPort,
    // A broker on a free port (0) takes a free HA port too.
    haListenPort: listenPort === 0 ? 0 : listenPort + 1,
    haMasterAddress: '',
    haTlsEnable: false,
    slaveTimeout: 3000,
    haSlaveFallbehindMax: 256 * 1024 * 1024,
    slaveReadEnable: false,
    aclEnable: false,
    rocketmqHome: process.env['ROCKETMQ_HOME'] ?? '',
    accessKey: '',
    secretKey: '',
    maxConnections: 10_000,
    maxConnectionsPerHost: 1000,
    maxQueueNumsPerTopic: 1024,
    maxTopicNums: 100_000,
    maxSubscriptionGroupNums: 100_000,
    bindAddress: '0.0.0.0',
    namesrvAddr: '',
    brokerRole: 'ASYNC_MASTER',
    brokerPermission: 6,
    autoCreateTopicEnable: true,
    autoCreateSubscriptionGroup: true,
    defaultTopicQueueNums: 8,
    registerNameServerPeriod: 30_000,
    longPollingEnable: true,
    shortPollingTimeMills: 1000,
    notifyConsumerIdsChangedEnable: true,
    channelExpiredTimeout: 120_000,
    flushConsumerOffsetInterval: 5000,
    flushDelayOffsetInterval: 10_000,
    regionId: 'DefaultRegion',
    ...DEFAULT_METRICS_EXPORTER,
    traceOn: true,
    enablePropertyFilter: false,
    rejectTransactionMessage: false,
    storeReplyMessageEnable: true,
    transactionCheckInterval: 60_000,
    transactionTimeOut: 6000,
    transactionCheckMax: 15,
    grpcServerEnable: true,
    grpcServerPort: listenPort === 0 ? 0 : 8081,
    ...overrides,
  };
}

/** Everything broker.conf sets: the broker's settings and its store's. */
export interface BrokerSettings {
  broker: BrokerConfig;
  store: MessageStoreConfig;
  /** RocketMQ's tls.* settings: the broker's ports, and its own connections (NameServers, its master). */
  tls?: ProcessTls | undefined;
}

/**
 * Read broker.conf properties: broker and store keys by RocketMQ's names. A bad value throws
 * naming the key; a key neither knows is warned about (a typo, or a RocketMQ setting that
 * RocketNest has no use for).
 */
export function brokerSettingsFromProperties(
  properties: Readonly<Record<string, string>>,
  warn: (message: string) => void,
  source = 'broker.conf',
): BrokerSettings {
  const parsed = typedSettings(defaultBrokerConfig(), properties, 'broker.conf');
  const broker = defaultBrokerConfig(parsed);
  validateBrokerConfig(broker);
  const store = storeConfigFromProperties(properties, warn);
  const tls = tlsFromProperties(properties, source);
  const known = new Set<string>([...Object.keys(broker), ...storeConfigKeys(), ...TLS_KEYS]);
  for (const key of Object.keys(properties)) {
    if (!known.has(key)) warn(`broker.conf: "${key}" is not a setting RocketNest knows; it is ignored`);
  }
  return { broker, store, tls };
}

/** Throw, naming the setting, when a value cannot work. */
export function validateBrokerConfig(config: BrokerConfig, tls?: ProcessTls): void {
  if (config.haTlsEnable && !(tls?.server && tls.client)) {
    throw new RangeError(
      "broker.conf: haTlsEnable needs tls.server.mode with its certificate (for this HA port) and tls.enable with tls.client.* (for a master's)",
    );
  }
  if (!['DISABLE', 'PROM'].includes(config.metricsExporterType)) {
    throw new RangeError(
      `broker.conf: metricsExporterType must be DISABLE or PROM (Prometheus at metricsPromExporterPort), got "${config.metricsExporterType}"`,
    );
  }
  if (!['ASYNC_MASTER', 'SYNC_MASTER', 'SLAVE'].includes(config.brokerRole)) {
    throw new RangeError(
      `broker.conf: brokerRole must be ASYNC_MASTER, SYNC_MASTER or SLAVE, got "${config.brokerRole}"`,
    );
  }
  if (!Number.isInteger(config.listenPort) || config.listenPort > 65535) {
    throw new RangeError(`broker.conf: listenPort must be a port number (0-65535), got ${config.listenPort}`);
  }
  if (!Number.isInteger(config.grpcServerPort) || config.grpcServerPort < 0 || config.grpcServerPort > 65535) {
    throw new RangeError(`broker.conf: grpcServerPort must be a port number (0-65535), got ${config.grpcServerPort}`);
  }
  if (config.defaultTopicQueueNums < 1 || !Number.isInteger(config.defaultTopicQueueNums)) {
    throw new RangeError(
      `broker.conf: defaultTopicQueueNums must be a whole number of at least 1, got ${config.defaultTopicQueueNums}`,
    );
  }
  for (const address of namesrvAddresses(config.namesrvAddr)) {
    if (!/^[^:\s]+:\d{1,5}$/.test(address)) {
      throw new RangeError(
        `broker.conf: namesrvAddr must be host:port entries separated by ';', got "${config.namesrvAddr}"`,
      );
    }
  }
  if (config.aclEnable && !config.rocketmqHome) {
    throw new RangeError(
      'broker.conf: aclEnable=true needs rocketmqHome (or the ROCKETMQ_HOME environment variable): the directory whose conf/plain_acl.yml holds the accounts',
    );
  }
  const nameProblem =
    brokerNameProblem(config.brokerName, 'broker') ?? brokerNameProblem(config.brokerClusterName, 'cluster');
  if (nameProblem) throw new RangeError(`broker.conf: brokerName and brokerClusterName: ${nameProblem}`);
}

/** The NameServer addresses of a namesrvAddr setting. */
export function namesrvAddresses(namesrvAddr: string): string[] {
  return namesrvAddr
    .split(';')
    .map((address) => address.trim())
    .filter((address) => address.length > 0);
}
