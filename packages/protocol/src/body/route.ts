/** Bodies of the NameServer requests (request-codes.md §6), as plain JSON-shaped types. */

/** PermName: what a topic's queues allow. */
export const Perm = {
  INHERIT: 1,
  WRITE: 2,
  READ: 4,
  /** Read and write: 6. */
  READ_WRITE: 6,
} as const;

export const isReadable = (perm: number): boolean => (perm & Perm.READ) === Perm.READ;
export const isWritable = (perm: number): boolean => (perm & Perm.WRITE) === Perm.WRITE;

/** TopicConfig as brokers persist and register it. */
export interface TopicConfig {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: 'SINGLE_TAG' | 'MULTI_TAG';
  topicSysFlag: number;
  order: boolean;
  attributes?: Record<string, string>;
}

/** DataVersion: a broker's topic configs change when this does. */
export interface DataVersion {
  timestamp: number;
  counter: number;
  stateVersion?: number;
}

export interface TopicConfigSerializeWrapper {
  topicConfigTable: Record<string, TopicConfig>;
  dataVersion: DataVersion;
}

/** REGISTER_BROKER body. */
export interface RegisterBrokerBody {
  topicConfigSerializeWrapper: TopicConfigSerializeWrapper;
  filterServerList: string[];
}

/** QueueData: one broker's queues of a topic. */
export interface QueueData {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
}

/** BrokerData: a broker name's cluster and addresses by broker id (0 = master). */
export interface BrokerData {
  cluster: string;
  brokerName: string;
  brokerAddrs: Record<string, string>;
}

/** GET_ROUTEINFO_BY_TOPIC response body. */
export interface TopicRouteData {
  orderTopicConf?: string;
  queueDatas: QueueData[];
  brokerDatas: BrokerData[];
  filterServerTable: Record<string, string[]>;
}

/** GET_BROKER_CLUSTER_INFO response body. */
export interface ClusterInfo {
  brokerAddrTable: Record<string, BrokerData>;
  clusterAddrTable: Record<string, string[]>;
}

/** TopicList body. */
export interface TopicList {
  topicList: string[];
  brokerAddr?: string;
}

/** KVTable body. */
export interface KVTable {
  table: Record<string, string>;
}

/** The master's id in brokerAddrs. */
export const MASTER_ID = 0;
