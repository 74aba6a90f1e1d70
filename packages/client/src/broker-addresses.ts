import { MASTER_ID, type TopicRouteData } from '@rocketnest/protocol';
import { queueKey } from './allocate.js';
import type { MessageQueue } from './topic-route.js';

/**
 * Which address of a broker name a consumer talks to (MQClientInstance.findBrokerAddressIn*,
 * PullAPIWrapper's pullFromWhichNodeTable): writes and locks go to the master; offsets and
 * reads go to the master, or while it is away to its lowest slave; a queue's pulls go where the
 * broker last suggested (suggestWhichBrokerId: a slave, when the master has the data on disk
 * only and slaveReadEnable), or to the master.
 */
export class BrokerAddresses {
  /** Queue -> the broker id its last pull answer suggested. */
  private readonly suggested = new Map<string, number>();

  constructor(
    private readonly route: (topic: string) => Promise<TopicRouteData | undefined>,
    /** Topics whose routes may name the broker, besides the one asked about. */
    private readonly topics: () => Iterable<string>,
  ) {}

  master(brokerName: string, topic?: string): Promise<string | undefined> {
    return this.find(brokerName, topic, MASTER_ID, true);
  }

  /** The master, or while it is away the lowest slave. */
  reader(brokerName: string, topic?: string): Promise<string | undefined> {
    return this.find(brokerName, topic, MASTER_ID, false);
  }

  /** Where the queue's next pull goes: the suggested broker while it is in the route, else as reader(). */
  puller(queue: MessageQueue): Promise<string | undefined> {
    return this.find(queue.brokerName, queue.topic, this.suggested.get(queueKey(queue)) ?? MASTER_ID, false);
  }

  /** A pull answer's suggestWhichBrokerId. */
  suggest(queue: MessageQueue, brokerId: number): void {
    if (brokerId === MASTER_ID) this.suggested.delete(queueKey(queue));
    else this.suggested.set(queueKey(queue), brokerId);
  }

  private async find(
    brokerName: string,
    topic: string | undefined,
    brokerId: number,
    onlyThis: boolean,
  ): Promise<string | undefined> {
    for (const candidate of topic ? [topic, ...this.topics()] : this.topics()) {
      const addresses = (await this.route(candidate))?.brokerDatas.find(
        (b) => b.brokerName === brokerName,
      )?.brokerAddrs;
      if (!addresses) continue;
      const wanted = addresses[String(brokerId)];
      if (wanted || onlyThis) return wanted;
      const master = addresses[String(MASTER_ID)];
      if (master) return master;
      const slave = Object.keys(addresses)
        .map(Number)
        .filter((id) => id > MASTER_ID)
        .sort((a, b) => a - b)[0];
      if (slave !== undefined) return addresses[String(slave)];
    }
    return undefined;
  }
}
