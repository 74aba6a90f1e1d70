import { isReadable, isWritable, MASTER_ID, parseJavaJson, type TopicRouteData } from '@rocketnest/protocol';

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

/** Broker name -> master address, of the brokers of a route that have a master. */
export function mastersOf(route: TopicRouteData): Map<string, string> {
  const masters = new Map<string, string>();
  for (const broker of route.brokerDatas) {
    const master = broker.brokerAddrs[String(MASTER_ID)];
    if (master) masters.set(broker.brokerName, master);
  }
  return masters;
}

/**
 * The queues of a route, in broker-name order, whose queue data allows the use (readQueueNums of
 * them to read, writeQueueNums to write, at most maxPerBroker each): to write, of the brokers with
 * a live master; to read, of the brokers with any live address, so that consumers go on reading a
 * slave while its master is away (topicRouteData2TopicSubscribeInfo).
 */
export function routeQueues(
  topic: string,
  route: TopicRouteData,
  use: 'read' | 'write',
  maxPerBroker = Infinity,
  masters = mastersOf(route),
): MessageQueue[] {
  const queues: MessageQueue[] = [];
  const datas = [...route.queueDatas].sort((a, b) =>
    a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0,
  );
  for (const data of datas) {
    const allowed = use === 'read' ? isReadable(data.perm) : isWritable(data.perm);
    const live =
      use === 'read'
        ? route.brokerDatas.some((b) => b.brokerName === data.brokerName && Object.keys(b.brokerAddrs).length > 0)
        : masters.has(data.brokerName);
    if (!allowed || !live) continue;
    const count = Math.min(use === 'read' ? data.readQueueNums : data.writeQueueNums, maxPerBroker);
    for (let queueId = 0; queueId < count; queueId++) queues.push({ topic, brokerName: data.brokerName, queueId });
  }
  return queues;
}

/**
 * The queues a producer may write to (MQClientInstance.topicRouteData2TopicPublishInfo), and the
 * masters to send them to. `maxQueuesPerBroker` caps them when the route is TBW102's (a topic to
 * be created on first send).
 */
export function publishInfo(topic: string, route: TopicRouteData, maxQueuesPerBroker = Infinity): PublishInfo {
  const masters = mastersOf(route);
  return { queues: routeQueues(topic, route, 'write', maxQueuesPerBroker, masters), masters };
}

/** A fastjson map keyed by MessageQueue objects in a response body (parsed keys are their JSON text). */
export function queueMap<T>(body: Buffer | undefined, field = 'offsetTable'): [MessageQueue, T][] {
  const parsed = parseJavaJson(body?.toString('utf8') ?? '{}') as Record<string, Record<string, T>>;
  return Object.entries(parsed[field] ?? {}).map(([key, value]) => [JSON.parse(key) as MessageQueue, value]);
}
