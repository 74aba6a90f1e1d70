import { defineHeader, f, type HeaderOf } from '../header-schema.js';

/** REGISTER_BROKER (103). */
export const RegisterBrokerRequestHeader = defineHeader('RegisterBrokerRequestHeader', {
  brokerName: f.string,
  /** brokerIP1:listenPort */
  brokerAddr: f.string,
  clusterName: f.string,
  /** brokerIP2:haListenPort */
  haServerAddr: f.string,
  /** 0 for the master, > 0 for a slave. */
  brokerId: f.long,
  /** 5.x: how long the NameServer keeps the broker without hearing from it. */
  heartbeatTimeoutMillis: f.opt.long,
  /** 5.x */
  enableActingMaster: f.opt.boolean,
  /** The body is deflate-compressed. */
  compressed: f.opt.boolean,
  /** CRC32 of the body masked with 0x7FFFFFFF; 0: do not check. */
  bodyCrc32: f.opt.int,
});
export type RegisterBrokerRequestHeader = HeaderOf<typeof RegisterBrokerRequestHeader>;

export const RegisterBrokerResponseHeader = defineHeader('RegisterBrokerResponseHeader', {
  haServerAddr: f.opt.string,
  masterAddr: f.opt.string,
});
export type RegisterBrokerResponseHeader = HeaderOf<typeof RegisterBrokerResponseHeader>;

/** UNREGISTER_BROKER (104) and QUERY_DATA_VERSION (322): which broker. */
export const BrokerIdentityRequestHeader = defineHeader('BrokerIdentityRequestHeader', {
  brokerName: f.string,
  brokerAddr: f.string,
  clusterName: f.string,
  brokerId: f.long,
});
export type BrokerIdentityRequestHeader = HeaderOf<typeof BrokerIdentityRequestHeader>;

export const QueryDataVersionResponseHeader = defineHeader('QueryDataVersionResponseHeader', {
  changed: f.opt.boolean,
});
export type QueryDataVersionResponseHeader = HeaderOf<typeof QueryDataVersionResponseHeader>;

/** GET_ROUTEINFO_BY_TOPIC (105). */
export const GetRouteInfoRequestHeader = defineHeader('GetRouteInfoRequestHeader', {
  topic: f.topic,
  /** 4.9.4+: answer in standard JSON whatever the client's version. */
  acceptStandardJsonOnly: f.opt.boolean,
});
export type GetRouteInfoRequestHeader = HeaderOf<typeof GetRouteInfoRequestHeader>;

/** PUT_KV_CONFIG (100). */
export const PutKVConfigRequestHeader = defineHeader('PutKVConfigRequestHeader', {
  namespace: f.string,
  key: f.string,
  value: f.string,
});
export type PutKVConfigRequestHeader = HeaderOf<typeof PutKVConfigRequestHeader>;

/** GET_KV_CONFIG (101) and DELETE_KV_CONFIG (102). */
export const KVConfigKeyRequestHeader = defineHeader('KVConfigKeyRequestHeader', {
  namespace: f.string,
  key: f.string,
});
export type KVConfigKeyRequestHeader = HeaderOf<typeof KVConfigKeyRequestHeader>;

export const GetKVConfigResponseHeader = defineHeader('GetKVConfigResponseHeader', {
  value: f.opt.string,
});
export type GetKVConfigResponseHeader = HeaderOf<typeof GetKVConfigResponseHeader>;

/** GET_KVLIST_BY_NAMESPACE (219). */
export const GetKVListByNamespaceRequestHeader = defineHeader('GetKVListByNamespaceRequestHeader', {
  namespace: f.string,
});
export type GetKVListByNamespaceRequestHeader = HeaderOf<typeof GetKVListByNamespaceRequestHeader>;

/** DELETE_TOPIC_IN_NAMESRV (216). */
export const DeleteTopicFromNamesrvRequestHeader = defineHeader('DeleteTopicFromNamesrvRequestHeader', {
  topic: f.topic,
  /** Only that cluster's brokers. */
  clusterName: f.opt.string,
});
export type DeleteTopicFromNamesrvRequestHeader = HeaderOf<typeof DeleteTopicFromNamesrvRequestHeader>;

/** WIPE_WRITE_PERM_OF_BROKER (205) and ADD_WRITE_PERM_OF_BROKER (327). */
export const BrokerWritePermRequestHeader = defineHeader('BrokerWritePermRequestHeader', {
  brokerName: f.string,
});
export type BrokerWritePermRequestHeader = HeaderOf<typeof BrokerWritePermRequestHeader>;

export const WipeWritePermOfBrokerResponseHeader = defineHeader('WipeWritePermOfBrokerResponseHeader', {
  wipeTopicCount: f.int,
});
export type WipeWritePermOfBrokerResponseHeader = HeaderOf<typeof WipeWritePermOfBrokerResponseHeader>;

export const AddWritePermOfBrokerResponseHeader = defineHeader('AddWritePermOfBrokerResponseHeader', {
  addTopicCount: f.int,
});
export type AddWritePermOfBrokerResponseHeader = HeaderOf<typeof AddWritePermOfBrokerResponseHeader>;

/** GET_TOPICS_BY_CLUSTER (224). */
export const GetTopicsByClusterRequestHeader = defineHeader('GetTopicsByClusterRequestHeader', {
  cluster: f.string,
});
export type GetTopicsByClusterRequestHeader = HeaderOf<typeof GetTopicsByClusterRequestHeader>;
