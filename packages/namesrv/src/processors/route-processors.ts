import {
  BrokerIdentityRequestHeader,
  BrokerWritePermRequestHeader,
  createResponse,
  decodeJsonBody,
  DeleteTopicFromNamesrvRequestHeader,
  encodeJsonBody,
  GetRouteInfoRequestHeader,
  GetTopicsByClusterRequestHeader,
  bodyCrc,
  brokerAddressProblem,
  brokerNameProblem,
  RegisterBrokerRequestHeader,
  RegisterBrokerResponseHeader,
  ResponseCode,
  topicNameProblem,
  type DataVersion,
  type RegisterBrokerBody,
  type RemotingCommand,
  type TopicConfigSerializeWrapper,
  type TopicList,
  QueryDataVersionResponseHeader,
  AddWritePermOfBrokerResponseHeader,
  WipeWritePermOfBrokerResponseHeader,
} from '@rocketnest/protocol';
import type { RequestContext } from '@rocketnest/remoting';
import { ORDER_TOPIC_CONFIG } from '../kv-config-manager.js';
import type { NamesrvContext } from './namesrv-context.js';

/** REGISTER_BROKER (103): a broker and its topic configs; repeated every 30 s as a heartbeat. */
export function registerBroker(namesrv: NamesrvContext) {
  return (request: RemotingCommand, { connection }: RequestContext): RemotingCommand => {
    const header = RegisterBrokerRequestHeader.decode(request.extFields);
    if (header.compressed) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: 'compressed REGISTER_BROKER bodies are not supported: set compressedRegister=false on the broker',
      });
    }
    if (header.bodyCrc32 && request.body && bodyCrc(request.body) !== header.bodyCrc32) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: 'crc32 not match' });
    }
    const wrapper =
      request.body && request.body.length > 0
        ? topicConfigWrapper(decodeJsonBody(request.body, 'RegisterBrokerBody'))
        : undefined;
    const problem = registrationProblem(header, wrapper);
    if (problem) {
      namesrv.logger.warn(`refused a registration from ${connection.remoteAddress}: ${problem}`);
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: `REGISTER_BROKER refused: ${problem}; fix the broker's configuration`,
      });
    }
    const holder = namesrv.routes.liveHolder(header.brokerName, header.brokerId, header.brokerAddr);
    if (holder) {
      const why = `${header.brokerName}'s brokerId ${header.brokerId} is held by the live broker at ${holder}`;
      namesrv.logger.warn(`refused a registration from ${header.brokerAddr}: ${why}`);
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: `REGISTER_BROKER refused: ${why}; two brokers must not share one brokerName and brokerId. Stop that broker (a NameServer forgets one when its connection closes, or ${namesrv.config.brokerChannelExpiredTime / 1000} s after its last registration), or give this one another brokerId`,
      });
    }
    const result = namesrv.routes.register(
      {
        clusterName: header.clusterName,
        brokerName: header.brokerName,
        brokerAddr: header.brokerAddr,
        brokerId: header.brokerId,
        haServerAddr: header.haServerAddr,
        topicConfigs: wrapper?.topicConfigTable ?? {},
        dataVersion: wrapper?.dataVersion ?? { timestamp: 0, counter: 0 },
        timeoutMs: header.heartbeatTimeoutMillis ?? namesrv.config.brokerChannelExpiredTime,
        connection,
      },
      Date.now(),
    );
    const orderTopics = namesrv.kv.list(ORDER_TOPIC_CONFIG);
    return createResponse(request, ResponseCode.SUCCESS, {
      extFields: RegisterBrokerResponseHeader.encode(result),
      body: orderTopics ? encodeJsonBody({ table: orderTopics }) : undefined,
    });
  };
}

/**
 * What makes a registration unfit for the routes clients are given, or undefined: names and
 * addresses that clients would connect to or use as topics.
 */
function registrationProblem(
  header: RegisterBrokerRequestHeader,
  wrapper: TopicConfigSerializeWrapper | undefined,
): string | undefined {
  const problem =
    brokerNameProblem(header.brokerName, 'broker') ??
    brokerNameProblem(header.clusterName, 'cluster') ??
    brokerAddressProblem(header.brokerAddr) ??
    (header.haServerAddr === '' ? undefined : brokerAddressProblem(header.haServerAddr)) ??
    (header.brokerId >= 0 ? undefined : `the brokerId ${header.brokerId} is negative: 0 is a master, above 0 a slave`);
  if (problem) return problem;
  for (const [name, config] of Object.entries(wrapper?.topicConfigTable ?? {})) {
    const topicProblem = topicNameProblem(name);
    if (topicProblem) return topicProblem;
    if (config?.topicName !== undefined && config.topicName !== name) {
      return `the topic config ${JSON.stringify(name)} names another topic, ${JSON.stringify(config.topicName)}`;
    }
  }
  return undefined;
}

/** Brokers before 3.0.11 send the wrapper itself; later ones wrap it in a RegisterBrokerBody. */
function topicConfigWrapper(body: RegisterBrokerBody | TopicConfigSerializeWrapper): TopicConfigSerializeWrapper {
  const wrapper = 'topicConfigSerializeWrapper' in body ? body.topicConfigSerializeWrapper : body;
  if (!wrapper || typeof wrapper.topicConfigTable !== 'object') {
    throw new TypeError('RegisterBrokerBody has no topicConfigSerializeWrapper.topicConfigTable');
  }
  return wrapper;
}

/** UNREGISTER_BROKER (104): a broker shutting down. */
export function unregisterBroker(namesrv: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const header = BrokerIdentityRequestHeader.decode(request.extFields);
    namesrv.routes.unregister(header);
    namesrv.logger.info(`broker ${header.brokerName}[${header.brokerId}] at ${header.brokerAddr} unregistered`);
    return createResponse(request);
  };
}

/** QUERY_DATA_VERSION (322): has the broker's topic config changed since it registered? */
export function queryDataVersion(namesrv: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const header = BrokerIdentityRequestHeader.decode(request.extFields);
    const version = decodeJsonBody<DataVersion>(request.body, 'DataVersion');
    const { changed, stored } = namesrv.routes.dataVersionChanged(header.brokerAddr, version, Date.now());
    return createResponse(request, ResponseCode.SUCCESS, {
      extFields: QueryDataVersionResponseHeader.encode({ changed }),
      body: stored ? encodeJsonBody(stored) : undefined,
    });
  };
}

/** GET_ROUTEINFO_BY_TOPIC (105), always in standard JSON. */
export function getRouteInfoByTopic(namesrv: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { topic } = GetRouteInfoRequestHeader.decode(request.extFields);
    const route = namesrv.routes.topicRoute(topic);
    if (!route) {
      return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, {
        remark: `No topic route info in name server for the topic: ${topic}`,
      });
    }
    if (namesrv.config.orderMessageEnable) {
      const conf = namesrv.kv.get(ORDER_TOPIC_CONFIG, topic);
      if (conf) route.orderTopicConf = conf;
    }
    return createResponse(request, ResponseCode.SUCCESS, { body: encodeJsonBody(route) });
  };
}

/** GET_BROKER_CLUSTER_INFO (106). */
export function getBrokerClusterInfo(namesrv: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand =>
    createResponse(request, ResponseCode.SUCCESS, { body: encodeJsonBody(namesrv.routes.clusterInfo()) });
}

/** GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206). */
export function getAllTopicList(namesrv: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand => topicList(request, { topicList: namesrv.routes.allTopics() });
}

/** GET_TOPICS_BY_CLUSTER (224). */
export function getTopicsByCluster(namesrv: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { cluster } = GetTopicsByClusterRequestHeader.decode(request.extFields);
    return topicList(request, { topicList: namesrv.routes.topicsOfCluster(cluster) });
  };
}

/** GET_SYSTEM_TOPIC_LIST_FROM_NS (304): cluster and broker names. */
export function getSystemTopicList(namesrv: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { topics, brokerAddr } = namesrv.routes.systemTopics();
    return topicList(request, brokerAddr ? { topicList: topics, brokerAddr } : { topicList: topics });
  };
}

/** DELETE_TOPIC_IN_NAMESRV (216). */
export function deleteTopicInNamesrv(namesrv: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { topic, clusterName } = DeleteTopicFromNamesrvRequestHeader.decode(request.extFields);
    namesrv.routes.deleteTopic(topic, clusterName);
    return createResponse(request);
  };
}

/** WIPE_WRITE_PERM_OF_BROKER (205) and ADD_WRITE_PERM_OF_BROKER (327). */
export function setWritePermOfBroker(namesrv: NamesrvContext, writable: boolean) {
  return (request: RemotingCommand): RemotingCommand => {
    const { brokerName } = BrokerWritePermRequestHeader.decode(request.extFields);
    const count = namesrv.routes.setWritePermOfBroker(brokerName, writable);
    return createResponse(request, ResponseCode.SUCCESS, {
      extFields: writable
        ? AddWritePermOfBrokerResponseHeader.encode({ addTopicCount: count })
        : WipeWritePermOfBrokerResponseHeader.encode({ wipeTopicCount: count }),
    });
  };
}

function topicList(request: RemotingCommand, list: TopicList): RemotingCommand {
  return createResponse(request, ResponseCode.SUCCESS, { body: encodeJsonBody(list) });
}
