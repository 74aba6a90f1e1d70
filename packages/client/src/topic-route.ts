import { isWritable, MASTER_ID, type TopicRouteData } from '@rocketnest/protocol';

/** A queue of a topic on a broker (MessageQueue). */
export interface MessageQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

/** What a producer needs of a route: its writable queues and the masters' addresses. */
export interface PublishInfo {
  queues: MessageQueue[];
  /** Broker name -> master address. */
  masters: Map<string, string>;
}

/**
 * The queues a producer may write to (MQClientInstance.topicRouteData2TopicPublishInfo): for
 * every broker name with a writable queue data and a live master, writeQueueNums queues, in
 * broker-name order. `maxQueuesPerBroker` caps them when the route is TBW102's (a topic to be
 * created on first send).
 */
export function publishInfo(topic: string, route: TopicRouteData, maxQueuesPerBroker = Infinity): PublishInfo {
  const masters = new Map<string, string>();
  for (const broker of route.brokerDatas) {
    const master = broker.brokerAddrs[String(MASTER_ID)];
    if (master) masters.set(broker.brokerName, master);
  }
  const queues: MessageQueue[] = [];
  const datas = [...route.queueDatas].sort((a, b) =>
    a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0,
  );
  for (const data of datas) {
    if (!isWritable(data.perm) || !masters.has(data.brokerName)) continue;
    const count = Math.min(data.writeQueueNums, maxQueuesPerBroker);
    for (let queueId = 0; queueId < count; queueId++) queues.push({ topic, brokerName: data.brokerName, queueId });
  }
  return { queues, masters };
}
