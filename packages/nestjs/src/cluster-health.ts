import { silentLogger } from '@rocketnest/common';
import { Admin } from '@rocketnest/client';

/** What the health indicators ask of the cluster: is it there, and how far behind are the listeners? */
export class ClusterHealth {
  constructor(
    private readonly namesrvAddr: () => string,
    private readonly subscribedTopics: () => ReadonlyMap<string, ReadonlySet<string>>,
  ) {}

  /**
   * Ask the NameServer for the cluster and every broker master for its runtime info; resolves with
   * what answered, throws naming what did not.
   */
  async ping(timeoutMs: number): Promise<{ namesrv: string; brokers: string[] }> {
    const namesrvAddr = this.namesrvAddr();
    const admin = new Admin({ namesrvAddr, requestTimeoutMs: timeoutMs, logger: silentLogger });
    try {
      const masters = await admin.masters().catch((error: unknown) => {
        throw new Error(`NameServer ${namesrvAddr} did not answer: ${(error as Error).message}`);
      });
      if (masters.length === 0) throw new Error(`NameServer ${namesrvAddr} knows no broker`);
      await Promise.all(
        masters.map((address) =>
          admin.brokerRuntimeInfo(address).catch((error: unknown) => {
            throw new Error(`broker ${address} did not answer: ${(error as Error).message}`);
          }),
        ),
      );
      return { namesrv: namesrvAddr, brokers: masters };
    } finally {
      await admin.shutdown();
    }
  }

  /** Messages each listener group has yet to consume, over its topics. */
  async consumerLag(): Promise<Record<string, number>> {
    const admin = new Admin({ namesrvAddr: this.namesrvAddr(), logger: silentLogger });
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
