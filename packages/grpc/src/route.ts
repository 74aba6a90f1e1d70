import {
  createRequest,
  decodeJsonBody,
  GetRouteInfoRequestHeader,
  isReadable,
  isWritable,
  MASTER_ID,
  RequestCode,
  ResponseCode,
  type TopicRouteData,
} from '@rocketnest/protocol';
import type { RemotingClient } from '@rocketnest/remoting';
import type { BrokerController } from '@rocketnest/broker';
import { namesrvAddresses } from '@rocketnest/broker';
import { checkResponse, StatusError } from './status.js';

/** One master's queues of a topic, and where its remoting port is. */
export interface BrokerQueues {
  brokerName: string;
  address: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
}

/** TBW102: the topic whose route a topic not created yet borrows when brokers auto-create topics. */
const AUTO_CREATE_TOPIC = 'TBW102';

/** Routes are asked again after this long (the v5 clients ask every 30 s; sends ask on each call). */
const ROUTE_TTL_MS = 5000;

/**
 * Topic routes for the gRPC service: from the broker's NameServers, so every master of a
 * cluster is served, or, for a broker without NameServers, from its own topic table.
 */
export class RouteService {
  private readonly cache = new Map<string, { at: number; route: Promise<BrokerQueues[]> }>();

  constructor(
    private readonly broker: BrokerController,
    private readonly remoting: RemotingClient,
  ) {}

  /** The masters holding the topic; TOPIC_NOT_FOUND when none does (and topics are not auto-created). */
  route(topic: string): Promise<BrokerQueues[]> {
    const cached = this.cache.get(topic);
    if (cached && Date.now() - cached.at < ROUTE_TTL_MS) return cached.route;
    const route = this.load(topic);
    this.cache.set(topic, { at: Date.now(), route });
    route.catch(() => this.cache.delete(topic));
    return route;
  }

  /** The remoting address of the master named brokerName in the topic's route. */
  async address(topic: string, brokerName: string): Promise<string> {
    const queues = (await this.route(topic)).find((each) => each.brokerName === brokerName);
    if (!queues) {
      throw new StatusError('NOT_FOUND', `broker ${brokerName} holds no queue of topic ${topic}; ask QueryRoute again`);
    }
    return queues.address;
  }

  private async load(topic: string): Promise<BrokerQueues[]> {
    const found = await this.lookup(topic);
    if (found.length > 0) return found;
    if (this.broker.config.autoCreateTopicEnable) {
      // As a remoting producer does: the first send creates the topic on these brokers.
      const queueNums = Math.min(4, this.broker.config.defaultTopicQueueNums);
      return (await this.lookup(AUTO_CREATE_TOPIC)).map((each) => ({
        ...each,
        readQueueNums: queueNums,
        writeQueueNums: queueNums,
      }));
    }
    throw new StatusError(
      'TOPIC_NOT_FOUND',
      `topic ${topic} does not exist and brokers do not create topics (autoCreateTopicEnable=false); create it first (rocketnest admin updateTopic -t ${topic})`,
    );
  }

  private async lookup(topic: string): Promise<BrokerQueues[]> {
    const namesrvs = namesrvAddresses(this.broker.config.namesrvAddr);
    if (namesrvs.length === 0) {
      const config = this.broker.topics.get(topic);
      if (!config) return [];
      return [
        {
          brokerName: this.broker.config.brokerName,
          address: this.broker.brokerAddr,
          readQueueNums: config.readQueueNums,
          writeQueueNums: config.writeQueueNums,
          perm: config.perm & this.broker.config.brokerPermission,
        },
      ];
    }
    let lastError: unknown;
    for (const namesrv of namesrvs) {
      try {
        const response = await this.remoting.invoke(
          namesrv,
          createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: GetRouteInfoRequestHeader.encode({ topic }) }),
        );
        if (response.code === ResponseCode.TOPIC_NOT_EXIST) return [];
        checkResponse(response, `route of ${topic}`);
        const route = decodeJsonBody<TopicRouteData>(response.body, 'TopicRouteData');
        return route.queueDatas.flatMap((queues) => {
          const address = route.brokerDatas.find((each) => each.brokerName === queues.brokerName)?.brokerAddrs[
            MASTER_ID
          ];
          return address ? [{ ...queues, address }] : [];
        });
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError instanceof StatusError
      ? lastError
      : new StatusError(
          'INTERNAL_SERVER_ERROR',
          `no NameServer answered for ${topic}: ${(lastError as Error).message}`,
        );
  }
}

/** The v5 permission of queue id of a master's queues. */
export function queuePermission(queues: BrokerQueues, id: number): 'READ' | 'WRITE' | 'READ_WRITE' | 'NONE' {
  const read = id < queues.readQueueNums && isReadable(queues.perm);
  const write = id < queues.writeQueueNums && isWritable(queues.perm);
  return read && write ? 'READ_WRITE' : read ? 'READ' : write ? 'WRITE' : 'NONE';
}
