import { DEFAULT_METRICS_EXPORTER, type MetricsExporterSettings } from '@rocketnest/remoting';

/**
 * NameServer settings, by the names namesrv.properties uses (NamesrvConfig, NettyServerConfig; the
 * metrics exporter's as RocketMQ 5's broker names them).
 */
export interface NamesrvConfig extends MetricsExporterSettings {
  /** Port to listen on (RocketMQ's default 9876; 0 picks a free one). */
  listenPort: number;
  /** Address to bind: 0.0.0.0 serves other hosts, 127.0.0.1 this one only. */
  bindAddress: string;
  /** How often live brokers are checked (4.x: 10 s). */
  scanNotActiveBrokerInterval: number;
  /** A broker not heard from for this long is dropped (brokers re-register every 30 s). */
  brokerChannelExpiredTime: number;
  /** Add orderTopicConf from the ORDER_TOPIC_CONFIG namespace to routes. */
  orderMessageEnable: boolean;
  /** Connections open at once at most, and from one host (RocketNest's own limits). */
  maxConnections: number;
  maxConnectionsPerHost: number;
  /**
   * Requests that change routes, write permissions or KV config must come signed by an admin
   * account of rocketmqHome/conf/plain_acl.yml (or from a global white address); reads stay open.
   * RocketNest's own: RocketMQ 4.9's NameServer checks nothing.
   */
  aclEnable: boolean;
  /** The directory whose conf/plain_acl.yml and conf/acl/*.yml hold the ACL (default: ROCKETMQ_HOME). */
  rocketmqHome: string;
}

export const defaultNamesrvConfig: NamesrvConfig = {
  listenPort: 9876,
  bindAddress: '0.0.0.0',
  scanNotActiveBrokerInterval: 10_000,
  brokerChannelExpiredTime: 120_000,
  orderMessageEnable: false,
  maxConnections: 10_000,
  maxConnectionsPerHost: 1000,
  aclEnable: false,
  rocketmqHome: process.env['ROCKETMQ_HOME'] ?? '',
  ...DEFAULT_METRICS_EXPORTER,
};
