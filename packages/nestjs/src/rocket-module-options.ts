import type { ConnectionOptions } from 'node:tls';
import type { AclCredentials, DeliverAtFallback } from '@rocketnest/client';
import type { RocketSerializer } from './serializer.js';
import type { BrokerConfig } from '@rocketnest/broker';
import type { MessageStoreConfig } from '@rocketnest/store';

/** Where the embedded NameServer and broker run when no NameServer address is configured. */
export interface EmbeddedBrokerOptions {
  /** Keep messages in memory only (default), or in RocketMQ's files under dataDir. */
  inMemory?: boolean;
  /** Where files go (default: a temporary directory, removed on shutdown when in memory). */
  dataDir?: string;
  /** 0 (default) picks free ports; the addresses are logged. */
  namesrvPort?: number;
  brokerPort?: number;
  /**
   * Broker settings by their broker.conf names (enablePropertyFilter, messageDelayLevel is a store
   * setting). The gRPC port for RocketMQ 5 clients is free and logged unless grpcServerPort names
   * one (8081 is RocketMQ 5's); grpcServerEnable: false turns it off.
   */
  broker?: Partial<BrokerConfig>;
  store?: Partial<MessageStoreConfig>;
}

export interface RocketModuleOptions {
  /** NameServer addresses (host:port;host:port). Without one, an embedded broker starts in this process. */
  namesrvAddr?: string | undefined;
  /**
   * An account of the brokers' plain_acl.yml (ACL 1.0): every client of the module signs its
   * requests with it. Needed where brokers have aclEnable on. Give both or neither.
   */
  accessKey?: string | undefined;
  secretKey?: string | undefined;
  /** Connect with TLS: true for Node's defaults, or options (ca, cert, key, ...); see ClientOptions.tls. */
  tls?: boolean | ConnectionOptions | undefined;
  /** The producer group, and the consumer group of listeners that name none (default "rocketnest"). */
  group?: string | undefined;
  embedded?: EmbeddedBrokerOptions | undefined;
  /** false: do not start @RocketListener consumers in this process (API-only pods). */
  registerListeners?: boolean | undefined;
  /** How payloads become bodies and back, for the producer and listeners (default: JSON; see stringSerializer, bufferSerializer). */
  serializer?: RocketSerializer | undefined;
  /**
   * sendDelayed(ms or Date) to a broker without timers (RocketMQ 4.x, which would deliver at once):
   * 'refuse' (default) rejects the send saying why, 'delayLevel' uses the first delay level not early.
   */
  deliverAtFallback?: DeliverAtFallback | undefined;
  /**
   * true: a cluster that does not answer at boot fails boot. Default: boot goes on, the cluster is
   * asked again with back-off (1 s doubling to 30 s) and listeners start once it answers; health
   * shows it down meanwhile.
   */
  failFast?: boolean | undefined;
  /**
   * Create the topics listeners read when no broker serves them yet (4 queues on every master), on
   * clusters that allow it (an admin account where ACL is on), so health is not down before the
   * first message. The embedded broker always does.
   */
  createTopics?: boolean | undefined;
  /** How long shutdown waits for listener calls in flight (default 10 s). */
  shutdownTimeoutMs?: number | undefined;
  /**
   * Write RocketMQ's message traces (RMQ_SYS_TRACE_TOPIC) of every send and listener call, as
   * Java clients do with enableMsgTrace: mqadmin queryMsgTraceById, `rocketnest admin` and the
   * console show a message's whole path, whichever client sent and consumed it.
   */
  enableMsgTrace?: boolean | undefined;
}

/** Where a module's clients connect, and the account they sign with. */
export interface ClusterConnection {
  namesrvAddr: string;
  credentials?: AclCredentials | undefined;
  tls?: boolean | ConnectionOptions | undefined;
  /** Whether producers and consumers write message traces. */
  enableMsgTrace?: boolean | undefined;
}
