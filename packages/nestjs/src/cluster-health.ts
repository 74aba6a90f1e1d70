import { silentLogger } from '@rocketnest/common';
import { Admin, type BrokerMember } from '@rocketnest/client';
import type { ClusterConnection } from './rocket-module-options.js';

/** What the health indicators ask of the cluster: is it there, and how far behind are the listeners? */
export class ClusterHealth {
  constructor(
    private readonly cluster: () => ClusterConnection,
    private readonly subscribedTopics: () => ReadonlyMap<string, ReadonlySet<string>>,
  ) {}

  /**
   * Ask the NameServer for the cluster and every broker, masters and slaves, for its runtime info;
   * resolves with each broker's role and replication lag (a slave that does not answer is listed
   * with the error), throws naming the NameServer or a master that did not answer.
   */
  async ping(timeoutMs: number): Promise<{ namesrv: string; brokers: BrokerMember[] }> {
    const cluster = this.cluster();
    const namesrvAddr = cluster.namesrvAddr;
    const admin = new Admin({ ...cluster, requestTimeoutMs: timeoutMs, logger: silentLogger });
    try {
      const brokers = await admin.brokers().catch((error: unknown) => {
        throw new Error(`NameServer ${namesrvAddr} did not answer: ${(error as Error).message}`);
      });
      if (!brokers.some((b) => b.brokerId === 0)) throw new Error(`NameServer ${namesrvAddr} knows no broker master`);
      const silent = brokers.find((b) => b.brokerId === 0 && b.error !== undefined);
      if (silent) throw new Error(`broker ${silent.address} did not answer: ${silent.error}`);
      // Health shows who answers and their roles, not every broker's runtime figures.
      return { namesrv: namesrvAddr, brokers: brokers.map(({ runtime: _runtime, ...member }) => member) };
    } finally {
      await admin.shutdown();
    }
  }

  /**
   * Create the topics no broker serves yet on every master (4 queues, as a first send would), for
   * listeners on clusters that allow it (module option createTopics), so their consumers find a
   * route at once. An ACL without an admin account refuses this: the broker's answer is thrown.
   */
  async createMissingTopics(topics: readonly string[]): Promise<void> {
    const admin = new Admin({ ...this.cluster(), logger: silentLogger });
    try {
      for (const topic of new Set(topics)) {
        const served = await admin.topicRoute(topic).then(
          (route) => route.queueDatas.length > 0,
          () => false,
        );
        if (!served) await admin.createTopic(topic, { queueNums: 4 });
      }
    } finally {
      await admin.shutdown();
    }
  }

  /** Messages each listener group has yet to consume, over its topics. */
  async consumerLag(): Promise<Record<string, number>> {
    const admin = new Admin({ ...this.cluster(), logger: silentLogger });
    try {
      const lag: Record<string, number> = {};
      for (const [group, topics] of this.subscribedTopics()) {
        lag[group] = 0;
        for (const topic of topics) {
          for (const queue of await admin.consumerProgress(group, topic)) lag[group] += queue.lag;
        }
      }
      return lag;
    } finally {
      await admin.shutdown();
    }
  }
}
