import {
  MASTER_ID,
  Perm,
  type BrokerData,
  type ClusterInfo,
  type DataVersion,
  type QueueData,
  type TopicConfig,
  type TopicRouteData,
} from '@rocketnest/protocol';

/** What the NameServer knows of a live broker address (BrokerLiveInfo). */
interface BrokerLiveInfo {
  lastUpdateTimestamp: number;
  dataVersion: DataVersion;
  haServerAddr: string;
  timeoutMs: number;
  /** The connection it registered over: closing it drops the broker. */
  connection: unknown;
}

export interface BrokerRegistration {
  clusterName: string;
  brokerName: string;
  brokerAddr: string;
  brokerId: number;
  haServerAddr: string;
  topicConfigs: Record<string, TopicConfig>;
  dataVersion: DataVersion;
  timeoutMs: number;
  connection: unknown;
}

/** The same broker address without its broker name (UNREGISTER_BROKER's identity). */
export interface BrokerIdentity {
  clusterName: string;
  brokerName: string;
  brokerAddr: string;
  brokerId: number;
}

/**
 * RouteInfoManager: clusters, broker names and addresses, and each topic's queues per broker
 * name, all in memory (a NameServer keeps nothing on disk; brokers re-register every 30 s).
 */
export class RouteInfoManager {
  private readonly topicQueueTable = new Map<string, Map<string, QueueData>>();
  private readonly brokerAddrTable = new Map<
    string,
    { cluster: string; brokerName: string; brokerAddrs: Map<number, string> }
  >();
  private readonly clusterAddrTable = new Map<string, Set<string>>();
  private readonly brokerLiveTable = new Map<string, BrokerLiveInfo>();

  /**
   * The address of another broker, still live, that holds brokerName's brokerId, or undefined:
   * a broker at a second address must not take over the route of a live one (two masters of one
   * brokerName, say after a slave was promoted and the old master came back).
   */
  liveHolder(brokerName: string, brokerId: number, brokerAddr: string): string | undefined {
    const holder = this.brokerAddrTable.get(brokerName)?.brokerAddrs.get(brokerId);
    return holder !== undefined && holder !== brokerAddr && this.brokerLiveTable.has(holder) ? holder : undefined;
  }

  /** Register (or refresh) a broker; for a slave, returns its master's addresses. */
  register(registration: BrokerRegistration, now: number): { masterAddr?: string; haServerAddr?: string } {
    const { clusterName, brokerName, brokerAddr, brokerId } = registration;
    let names = this.clusterAddrTable.get(clusterName);
    if (!names) this.clusterAddrTable.set(clusterName, (names = new Set()));
    names.add(brokerName);
    let brokerData = this.brokerAddrTable.get(brokerName);
    const first = !brokerData;
    if (!brokerData) {
      brokerData = { cluster: clusterName, brokerName, brokerAddrs: new Map() };
      this.brokerAddrTable.set(brokerName, brokerData);
    }
    // A slave turned master (or the reverse) registers the same address under another id.
    for (const [id, addr] of brokerData.brokerAddrs)
      if (addr === brokerAddr && id !== brokerId) brokerData.brokerAddrs.delete(id);
    const known = brokerData.brokerAddrs.get(brokerId) === brokerAddr;
    brokerData.brokerAddrs.set(brokerId, brokerAddr);
    const previous = this.brokerLiveTable.get(brokerAddr);
    const changed = !previous || !known || first || !sameVersion(previous.dataVersion, registration.dataVersion);
    if (brokerId === MASTER_ID && changed) {
      for (const config of Object.values(registration.topicConfigs)) this.putQueueData(brokerName, config);
    }
    this.brokerLiveTable.set(brokerAddr, {
      lastUpdateTimestamp: now,
      dataVersion: registration.dataVersion,
      haServerAddr: registration.haServerAddr,
      timeoutMs: registration.timeoutMs,
      connection: registration.connection,
    });
    if (brokerId === MASTER_ID) return {};
    const masterAddr = brokerData.brokerAddrs.get(MASTER_ID);
    if (!masterAddr) return {};
    return { masterAddr, haServerAddr: this.brokerLiveTable.get(masterAddr)?.haServerAddr };
  }

  private putQueueData(brokerName: string, config: TopicConfig): void {
    let byBroker = this.topicQueueTable.get(config.topicName);
    if (!byBroker) this.topicQueueTable.set(config.topicName, (byBroker = new Map()));
    byBroker.set(brokerName, {
      brokerName,
      readQueueNums: config.readQueueNums,
      writeQueueNums: config.writeQueueNums,
      perm: config.perm,
      topicSysFlag: config.topicSysFlag,
    });
  }

  /** Has the broker's topic config changed since it last registered? (QUERY_DATA_VERSION) */
  dataVersionChanged(
    brokerAddr: string,
    dataVersion: DataVersion,
    now: number,
  ): { changed: boolean; stored?: DataVersion } {
    const live = this.brokerLiveTable.get(brokerAddr);
    if (!live) return { changed: true };
    const changed = !sameVersion(live.dataVersion, dataVersion);
    if (!changed) live.lastUpdateTimestamp = now;
    return { changed, stored: live.dataVersion };
  }

  /** Drop a broker address; a broker name left without addresses leaves its cluster and every topic. */
  unregister(identity: BrokerIdentity): void {
    this.brokerLiveTable.delete(identity.brokerAddr);
    const brokerData = this.brokerAddrTable.get(identity.brokerName);
    if (!brokerData) return;
    if (brokerData.brokerAddrs.get(identity.brokerId) === identity.brokerAddr)
      brokerData.brokerAddrs.delete(identity.brokerId);
    if (brokerData.brokerAddrs.size > 0) return;
    this.brokerAddrTable.delete(identity.brokerName);
    const names = this.clusterAddrTable.get(identity.clusterName);
    names?.delete(identity.brokerName);
    if (names?.size === 0) this.clusterAddrTable.delete(identity.clusterName);
    for (const [topic, byBroker] of this.topicQueueTable) {
      byBroker.delete(identity.brokerName);
      if (byBroker.size === 0) this.topicQueueTable.delete(topic);
    }
  }

  /** Brokers not heard from within their timeout, dropped; returns their addresses. */
  scanNotActiveBrokers(now: number): string[] {
    const expired = [...this.brokerLiveTable].filter(([, live]) => now - live.lastUpdateTimestamp > live.timeoutMs);
    for (const [addr] of expired) this.removeAddress(addr);
    return expired.map(([addr]) => addr);
  }

  /** A connection closed: the brokers that registered over it are gone. */
  connectionClosed(connection: unknown): string[] {
    const gone = [...this.brokerLiveTable].filter(([, live]) => live.connection === connection).map(([addr]) => addr);
    for (const addr of gone) this.removeAddress(addr);
    return gone;
  }

  private removeAddress(brokerAddr: string): void {
    for (const brokerData of this.brokerAddrTable.values()) {
      for (const [id, addr] of brokerData.brokerAddrs) {
        if (addr === brokerAddr) {
          this.unregister({
            clusterName: brokerData.cluster,
            brokerName: brokerData.brokerName,
            brokerAddr,
            brokerId: id,
          });
          return;
        }
      }
    }
    this.brokerLiveTable.delete(brokerAddr);
  }

  /** A topic's route, or undefined when no live broker serves it. */
  topicRoute(topic: string): TopicRouteData | undefined {
    const byBroker = this.topicQueueTable.get(topic);
    if (!byBroker || byBroker.size === 0) return undefined;
    const brokerDatas: BrokerData[] = [];
    for (const brokerName of byBroker.keys()) {
      const data = this.brokerAddrTable.get(brokerName);
      if (data) brokerDatas.push(toBrokerData(data));
    }
    if (brokerDatas.length === 0) return undefined;
    return { queueDatas: [...byBroker.values()].map((q) => ({ ...q })), brokerDatas, filterServerTable: {} };
  }

  clusterInfo(): ClusterInfo {
    return {
      brokerAddrTable: Object.fromEntries([...this.brokerAddrTable].map(([name, data]) => [name, toBrokerData(data)])),
      clusterAddrTable: Object.fromEntries([...this.clusterAddrTable].map(([cluster, names]) => [cluster, [...names]])),
    };
  }

  allTopics(): string[] {
    return [...this.topicQueueTable.keys()];
  }

  /** Topics served by a broker of the cluster. */
  topicsOfCluster(cluster: string): string[] {
    const names = this.clusterAddrTable.get(cluster) ?? new Set<string>();
    return [...this.topicQueueTable]
      .filter(([, byBroker]) => [...byBroker.keys()].some((n) => names.has(n)))
      .map(([t]) => t);
  }

  /** Cluster and broker names (system topics) and one broker's address. */
  systemTopics(): { topics: string[]; brokerAddr?: string } {
    const topics = [...this.clusterAddrTable.keys(), ...this.brokerAddrTable.keys()];
    const brokerAddr = [...this.brokerAddrTable.values()].flatMap((d) => [...d.brokerAddrs.values()])[0];
    return brokerAddr ? { topics, brokerAddr } : { topics };
  }

  /** Remove a topic (from one cluster's brokers only, when given). */
  deleteTopic(topic: string, cluster?: string): void {
    const byBroker = this.topicQueueTable.get(topic);
    if (!byBroker) return;
    if (cluster === undefined) {
      this.topicQueueTable.delete(topic);
      return;
    }
    for (const name of this.clusterAddrTable.get(cluster) ?? []) byBroker.delete(name);
    if (byBroker.size === 0) this.topicQueueTable.delete(topic);
  }

  /** Clear (wipe) or restore the write permission of a broker name's queues; returns the topics changed. */
  setWritePermOfBroker(brokerName: string, writable: boolean): number {
    let count = 0;
    for (const byBroker of this.topicQueueTable.values()) {
      const queueData = byBroker.get(brokerName);
      if (!queueData) continue;
      queueData.perm = writable ? Perm.READ_WRITE : queueData.perm & ~Perm.WRITE;
      count++;
    }
    return count;
  }
}

function toBrokerData(data: { cluster: string; brokerName: string; brokerAddrs: Map<number, string> }): BrokerData {
  return {
    cluster: data.cluster,
    brokerName: data.brokerName,
    brokerAddrs: Object.fromEntries([...data.brokerAddrs].map(([id, addr]) => [String(id), addr])),
  };
}

function sameVersion(a: DataVersion, b: DataVersion): boolean {
  return a.timestamp === b.timestamp && a.counter === b.counter;
}
