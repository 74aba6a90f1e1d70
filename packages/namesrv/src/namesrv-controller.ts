import { getNamesrvConfig, updateNamesrvConfig } from './processors/config-processors.js';
import {
  accessChecked,
  NAMESRV_ADMIN_CODES,
  PlainAccessValidator,
  PlainPermissionManager,
  startAccessControl,
} from '@rocketnest/acl';
import { type Logger, consoleLogger } from '@rocketnest/common';
import { RequestCode } from '@rocketnest/protocol';
import { RemotingServer, serverTlsOptions, type RemotingConnection, type ServerTls } from '@rocketnest/remoting';
import { KVConfigManager } from './kv-config-manager.js';
import { defaultNamesrvConfig, type NamesrvConfig } from './namesrv-config.js';
import { deleteKVConfig, getKVConfig, getKVListByNamespace, putKVConfig } from './processors/kv-processors.js';
import type { NamesrvContext } from './processors/namesrv-context.js';
import {
  deleteTopicInNamesrv,
  getAllTopicList,
  getBrokerClusterInfo,
  getRouteInfoByTopic,
  getSystemTopicList,
  getTopicsByCluster,
  queryDataVersion,
  registerBroker,
  setWritePermOfBroker,
  unregisterBroker,
} from './processors/route-processors.js';
import { RouteInfoManager } from './route-info-manager.js';

export interface NamesrvControllerOptions {
  logger?: Logger | undefined;
  remotingLogger?: Logger | undefined;
  /** TLS on its port (RocketMQ's tls.server.* settings; see serverTlsFromProperties). */
  tls?: ServerTls | undefined;
  /** The namesrv.properties it was started with, which updateNamesrvConfig writes. */
  configFile?: string | undefined;
}

/**
 * The NameServer (NamesrvController): a remoting server with a processor per request code over
 * the route table, and the scan that drops brokers gone silent. Several run side by side without
 * talking to each other: brokers register with each.
 */
export class NamesrvController {
  readonly config: NamesrvConfig;
  readonly routes = new RouteInfoManager();
  readonly kv = new KVConfigManager();
  private readonly logger: Logger;
  private readonly server: RemotingServer;
  private scanTimer: NodeJS.Timeout | undefined;
  private readonly acl: PlainPermissionManager | undefined;

  constructor(config: Partial<NamesrvConfig> = {}, options: NamesrvControllerOptions = {}) {
    this.config = { ...defaultNamesrvConfig, ...config };
    this.logger = options.logger ?? consoleLogger('namesrv');
    this.server = new RemotingServer({
      host: this.config.bindAddress,
      port: this.config.listenPort,
      maxConnections: this.config.maxConnections,
      maxConnectionsPerHost: this.config.maxConnectionsPerHost,
      ...serverTlsOptions(options.tls),
      logger: options.remotingLogger,
    });
    const context: NamesrvContext = {
      config: this.config,
      routes: this.routes,
      kv: this.kv,
      logger: this.logger,
      configFile: options.configFile,
    };
    const processors: [number, ReturnType<typeof registerBroker>][] = [
      [RequestCode.REGISTER_BROKER, registerBroker(context)],
      [RequestCode.UNREGISTER_BROKER, unregisterBroker(context)],
      [RequestCode.QUERY_DATA_VERSION, queryDataVersion(context)],
      [RequestCode.GET_ROUTEINFO_BY_TOPIC, getRouteInfoByTopic(context)],
      [RequestCode.GET_BROKER_CLUSTER_INFO, getBrokerClusterInfo(context)],
      [RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, getAllTopicList(context)],
      [RequestCode.GET_TOPICS_BY_CLUSTER, getTopicsByCluster(context)],
      [RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS, getSystemTopicList(context)],
      [RequestCode.DELETE_TOPIC_IN_NAMESRV, deleteTopicInNamesrv(context)],
      [RequestCode.WIPE_WRITE_PERM_OF_BROKER, setWritePermOfBroker(context, false)],
      [RequestCode.ADD_WRITE_PERM_OF_BROKER, setWritePermOfBroker(context, true)],
      [RequestCode.PUT_KV_CONFIG, putKVConfig(context)],
      [RequestCode.GET_KV_CONFIG, getKVConfig(context)],
      [RequestCode.DELETE_KV_CONFIG, deleteKVConfig(context)],
      [RequestCode.GET_KVLIST_BY_NAMESPACE, getKVListByNamespace(context)],
      [RequestCode.GET_NAMESRV_CONFIG, getNamesrvConfig(context)],
      [RequestCode.UPDATE_NAMESRV_CONFIG, updateNamesrvConfig(context)],
    ];
    if (this.config.aclEnable && !this.config.rocketmqHome) {
      throw new RangeError(
        'namesrv.properties: aclEnable=true needs rocketmqHome (or the ROCKETMQ_HOME environment variable): the directory whose conf/plain_acl.yml holds the accounts',
      );
    }
    this.acl = this.config.aclEnable ? new PlainPermissionManager(this.config.rocketmqHome, this.logger) : undefined;
    const validator = this.acl && new PlainAccessValidator(this.acl, NAMESRV_ADMIN_CODES);
    for (const [code, processor] of processors) {
      const checked = validator && NAMESRV_ADMIN_CODES.has(code) ? accessChecked(validator, processor) : processor;
      this.server.registerProcessor(code, checked);
    }
    this.server.on('disconnect', (connection: RemotingConnection) => {
      for (const addr of this.routes.connectionClosed(connection)) {
        this.logger.warn(`broker ${addr} dropped: its connection to the NameServer closed`);
      }
    });
  }

  /** Where it listens, as host:port; only after start(). */
  get address(): string {
    return this.server.addressString;
  }

  get port(): number {
    return this.server.address.port;
  }

  /** Connections open now (metrics). */
  get connectionCount(): number {
    return this.server.connections.size;
  }

  async start(): Promise<void> {
    await this.server.listen();
    startAccessControl(this.acl, this.logger, {
      host: this.config.bindAddress,
      port: this.port,
      anyoneCan: "register a broker into a topic's route and wipe a broker's write permission",
    });
    this.scanTimer = setInterval(() => {
      for (const addr of this.routes.scanNotActiveBrokers(Date.now())) {
        this.logger.warn(`broker ${addr} dropped: not heard from within ${this.config.brokerChannelExpiredTime} ms`);
      }
    }, this.config.scanNotActiveBrokerInterval);
    this.scanTimer.unref();
  }

  async shutdown(): Promise<void> {
    if (this.scanTimer) clearInterval(this.scanTimer);
    this.acl?.stop();
    await this.server.close();
  }
}
