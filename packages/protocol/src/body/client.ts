import { tagsCode } from '../message/java-hash.js';
import { checkBodyName } from '../names.js';
import { decodeJsonBody } from './java-json.js';

/** Bodies of client management requests (request-codes.md §4), as plain JSON-shaped types. */

export type ConsumeType = 'CONSUME_ACTIVELY' | 'CONSUME_PASSIVELY' | 'CONSUME_POP';
export type MessageModel = 'CLUSTERING' | 'BROADCASTING';
export type ExpressionType = 'TAG' | 'SQL92';

/** SubscriptionData: a group's subscription to a topic. */
export interface SubscriptionData {
  topic: string;
  /** '*', 'TagA || TagB', or SQL92 text. */
  subString: string;
  tagsSet: string[];
  /** Java String.hashCode() of each tag. */
  codeSet: number[];
  subVersion: number;
  expressionType?: ExpressionType;
  classFilterMode?: boolean;
}

export interface ConsumerData {
  groupName: string;
  consumeType: ConsumeType;
  messageModel: MessageModel;
  consumeFromWhere: string;
  subscriptionDataSet: SubscriptionData[];
  unitMode?: boolean;
}

export interface ProducerData {
  groupName: string;
}

/** HEART_BEAT body. */
export interface HeartbeatData {
  clientID: string;
  producerDataSet: ProducerData[];
  consumerDataSet: ConsumerData[];
}

/** A HEART_BEAT body whose group and topic names all keep RocketMQ's rules (else a ProtocolError). */
export function decodeHeartbeatData(body: Uint8Array | undefined): HeartbeatData {
  const data = decodeJsonBody<HeartbeatData>(body, 'HeartbeatData');
  (data.producerDataSet ?? []).forEach((producer, i) =>
    checkBodyName('group', producer?.groupName, `HeartbeatData.producerDataSet[${i}].groupName`),
  );
  (data.consumerDataSet ?? []).forEach((consumer, i) => {
    const where = `HeartbeatData.consumerDataSet[${i}]`;
    checkBodyName('group', consumer?.groupName, `${where}.groupName`);
    (consumer.subscriptionDataSet ?? []).forEach((subscription, j) =>
      checkBodyName('topic', subscription?.topic, `${where}.subscriptionDataSet[${j}].topic`),
    );
  });
  return data;
}

/** GET_CONSUMER_LIST_BY_GROUP response body. */
export interface ConsumerIdList {
  consumerIdList: string[];
}

/** MessageQueue as bodies carry it. */
export interface MessageQueueData {
  topic: string;
  brokerName: string;
  queueId: number;
}

/** A client connection as connection lists show it. */
export interface ConnectionData {
  clientId: string;
  clientAddr: string;
  language: string;
  version: number;
}

/** '*' or an empty expression: every message. */
export const SUB_ALL = '*';

/** The tags of a TAG expression ('TagA || TagB'); empty for '*'. */
export function parseTags(expression: string): string[] {
  const text = expression.trim();
  if (text === '' || text === SUB_ALL) return [];
  return text
    .split('||')
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0 && tag !== SUB_ALL);
}

/** The SubscriptionData of a TAG expression, as a client registers it and a pull carries it. */
export function tagSubscription(topic: string, expression: string, subVersion: number): SubscriptionData {
  const tags = parseTags(expression);
  return {
    topic,
    subString: tags.length === 0 ? SUB_ALL : expression,
    tagsSet: tags,
    codeSet: tags.map((tag) => tagsCode(tag)),
    subVersion,
    expressionType: 'TAG',
    classFilterMode: false,
  };
}

/** LOCK_BATCH_MQ and UNLOCK_BATCH_MQ request body. */
export interface LockBatchRequestBody {
  consumerGroup: string;
  clientId: string;
  onlyThisBroker?: boolean;
  mqSet: MessageQueueData[];
}

/** A LOCK_BATCH_MQ or UNLOCK_BATCH_MQ body whose group and topics keep the rules (else a ProtocolError). */
export function decodeLockBatchRequestBody(body: Uint8Array | undefined, what: string): LockBatchRequestBody {
  const data = decodeJsonBody<LockBatchRequestBody>(body, what);
  checkBodyName('group', data.consumerGroup, `${what}.consumerGroup`);
  (data.mqSet ?? []).forEach((queue, i) => checkBodyName('topic', queue?.topic, `${what}.mqSet[${i}].topic`));
  return data;
}

/** LOCK_BATCH_MQ response body: the queues the client holds now. */
export interface LockBatchResponseBody {
  lockOKMQSet: MessageQueueData[];
}

/** The SubscriptionData of an SQL92 selector (the broker evaluates it on each message's properties). */
export function sqlSubscription(topic: string, expression: string, subVersion: number): SubscriptionData {
  return {
    topic,
    subString: expression,
    tagsSet: [],
    codeSet: [],
    subVersion,
    expressionType: 'SQL92',
    classFilterMode: false,
  };
}
