import type { Logger } from '@rocketnest/common';
import type { MessageStore, MessageStoreConfig } from '@rocketnest/store';
import type { PlainPermissionManager } from '@rocketnest/acl';
import type { BrokerConfig } from './broker-config.js';
import type { SlaveAck } from './ha/ha-service.js';
import type { BrokerStats } from './broker-stats.js';
import type { ConsumerManager } from './consumer-manager.js';
import type { ConsumerOffsetManager } from './consumer-offset-manager.js';
import type { ProducerManager } from './producer-manager.js';
import type { RebalanceLockManager } from './rebalance-lock-manager.js';
import type { ScheduleMessageService } from './schedule/schedule-message-service.js';
import type { SubscriptionGroupManager } from './subscription-group-manager.js';
import type { TopicConfigManager } from './topic-config-manager.js';

/** What the broker's processors share. */
export interface BrokerContext {
  readonly config: BrokerConfig;
  readonly storeConfig: MessageStoreConfig;
  readonly store: MessageStore;
  readonly topics: TopicConfigManager;
  readonly groups: SubscriptionGroupManager;
  readonly offsets: ConsumerOffsetManager;
  readonly consumers: ConsumerManager;
  readonly producers: ProducerManager;
  readonly stats: BrokerStats;
  /** Queue locks of orderly consumers. */
  readonly locks: RebalanceLockManager;
  /** Delivers messages held for a delay level. */
  readonly schedule: ScheduleMessageService;
  readonly logger: Logger;
  /** The accounts requests are checked against, when aclEnable is on. */
  readonly acl: PlainPermissionManager | undefined;
  /**
   * SYNC_MASTER: wait until a slave has the CommitLog up to end (ACKED), or say it timed out or
   * that no slave can (see HAService.waitForSlave).
   */
  waitForSlave(end: number): Promise<SlaveAck>;
  /** A master's highest CommitLog offset a slave has acknowledged, or -1 (no slave, or a slave itself). */
  readonly slaveAckOffset: number;
  /** A slave whose master is lost for good becomes the master (see BrokerController). */
  promoteToMaster(role: 'ASYNC_MASTER' | 'SYNC_MASTER'): Promise<string>;
  /** Its ports take TLS (tls.server.mode permissive or enforcing). */
  readonly useTLS: boolean;
  /** The broker.conf it was started with (-c), which updateBrokerConfig writes; undefined for none. */
  readonly configFile: string | undefined;
  /** brokerIP1:listenPort, stored in every record and used in offset message ids. */
  readonly storeHost: string;
}
