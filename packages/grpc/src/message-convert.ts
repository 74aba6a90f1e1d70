import { createHash } from 'node:crypto';
import { gunzipSync, inflateSync } from 'node:zlib';
import {
  createOffsetMessageId,
  decodeProperties,
  encodeProperties,
  KEY_SEPARATOR,
  MessageConst,
  MessageSysFlag,
  topicNameProblem,
  type StoredMessage,
} from '@rocketnest/protocol';
import { StatusError } from './status.js';
import { timestamp, type Message, type MessageType } from './v2-types.js';

/** Property names that RocketMQ keeps for itself (MessageConst.STRING_HASH_SET): never user properties. */
const SYSTEM_PROPERTIES = new Set<string>([
  ...Object.values(MessageConst),
  '__STARTDELIVERTIME',
  'CONSUME_START_TIME',
  'TRACE_ON',
  'MSG_REGION',
  'INSTANCE_ID',
  'BORN_HOST',
  'POP_CK',
  'TRACE_CONTEXT',
]);

/** A message of a v5 client as the broker stores it: what a SEND_MESSAGE_V2 carries. */
export interface MessageToSend {
  topic: string;
  queueId: number;
  body: Buffer;
  properties: string;
  sysFlag: number;
  bornTimestamp: number;
  messageId: string;
  type: MessageType;
}

export interface SendLimits {
  maxMessageSize: number;
  /** The broker keeps delivery times (timerWheelEnable); else delay messages are refused. */
  timers: boolean;
  /** How far ahead a delivery time may be (timerMaxDelaySec, in ms). */
  maxDelayMs: number;
}

/**
 * The v5 message as remoting properties, as RocketMQ 5's proxy converts it: the tag, keys, id
 * (UNIQ_KEY), message group (__SHARDINGKEY), delivery time (TIMER_DELIVER_MS) and the
 * transaction marks; user properties as they are. Checks what the proxy checks, with its codes.
 */
export function messageToSend(message: Message, producerGroup: string, limits: SendLimits): MessageToSend {
  const topic = message.topic?.name ?? '';
  const topicProblem = topicNameProblem(topic);
  if (topicProblem) throw new StatusError('ILLEGAL_TOPIC', topicProblem);
  const system = message.system_properties;
  if (!system?.message_id)
    throw new StatusError('ILLEGAL_MESSAGE_ID', 'the message has no message_id: v5 clients set one');
  let body = message.body ?? Buffer.alloc(0);
  if (system.body_encoding === 'GZIP') body = gunzipSync(body);
  if (body.length === 0) throw new StatusError('MESSAGE_BODY_EMPTY', `message ${system.message_id} has an empty body`);
  if (body.length > limits.maxMessageSize) {
    throw new StatusError(
      'MESSAGE_BODY_TOO_LARGE',
      `message body is ${body.length} bytes, over this broker's maxMessageSize of ${limits.maxMessageSize}`,
    );
  }
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(message.user_properties ?? {})) {
    if (SYSTEM_PROPERTIES.has(key)) {
      throw new StatusError('ILLEGAL_MESSAGE_PROPERTY_KEY', `property "${key}" is reserved by RocketMQ; rename it`);
    }
    properties[key] = value;
  }
  const tag = system.tag;
  if (tag !== undefined) {
    if (tag.trim() === '' || tag.includes('|')) {
      throw new StatusError('ILLEGAL_MESSAGE_TAG', `tag "${tag}" is blank or contains "|"`);
    }
    properties[MessageConst.TAGS] = tag;
  }
  const keys = system.keys ?? [];
  if (keys.some((key) => key.trim() === '')) throw new StatusError('ILLEGAL_MESSAGE_KEY', 'a message key is blank');
  if (keys.length > 0) properties[MessageConst.KEYS] = keys.join(KEY_SEPARATOR);
  properties[MessageConst.UNIQ_KEY] = system.message_id;
  let sysFlag = 0;
  const type = system.message_type;
  if (system.message_group !== undefined) {
    if (type !== 'FIFO') throw conflict(type, 'a message group');
    if (system.message_group.trim() === '')
      throw new StatusError('ILLEGAL_MESSAGE_GROUP', 'the message group is blank');
    properties[MessageConst.SHARDING_KEY] = system.message_group;
  }
  if (system.delivery_timestamp !== undefined) {
    if (type !== 'DELAY') throw conflict(type, 'a delivery timestamp');
    const deliverAt = system.delivery_timestamp.seconds * 1000 + Math.floor(system.delivery_timestamp.nanos / 1e6);
    if (!limits.timers) {
      throw new StatusError(
        'UNSUPPORTED',
        'this broker keeps no delivery times (timerWheelEnable=false); set timerWheelEnable=true in broker.conf to send delay messages',
      );
    }
    if (deliverAt - Date.now() > limits.maxDelayMs) {
      throw new StatusError(
        'ILLEGAL_DELIVERY_TIME',
        `delivery time ${new Date(deliverAt).toISOString()} is more than ${limits.maxDelayMs / 1000} s ahead (timerMaxDelaySec)`,
      );
    }
    properties[MessageConst.TIMER_DELIVER_MS] = String(deliverAt);
  }
  if (type === 'TRANSACTION') {
    properties[MessageConst.TRAN_MSG] = 'true';
    properties[MessageConst.PGROUP] = producerGroup;
    sysFlag |= MessageSysFlag.TRANSACTION_PREPARED_TYPE;
  }
  const born = system.born_timestamp;
  return {
    topic,
    queueId: system.queue_id ?? 0,
    body,
    properties: encodeProperties(properties),
    sysFlag,
    bornTimestamp: born ? born.seconds * 1000 + Math.floor(born.nanos / 1e6) : Date.now(),
    messageId: system.message_id,
    type,
  };
}

function conflict(type: MessageType, what: string): StatusError {
  return new StatusError('MESSAGE_PROPERTY_CONFLICT_WITH_TYPE', `a ${type} message cannot carry ${what}`);
}

/** What a delivery adds to a stored message: its handle, invisible time and attempt. */
export interface Delivery {
  receiptHandle?: string | undefined;
  invisibleMs?: number | undefined;
  attempt?: number | undefined;
}

/**
 * A stored message as a v5 client reads it (GrpcConverter.buildMessage): system properties out
 * of the remoting ones, the rest as user properties, the body inflated and digested (MD5, which
 * every v5 client computes alike).
 */
export function storedToMessage(stored: StoredMessage, delivery: Delivery = {}): Message {
  const properties = decodeProperties(stored.properties);
  const user: Record<string, string> = {};
  for (const [key, value] of properties) if (!SYSTEM_PROPERTIES.has(key)) user[key] = value;
  const body =
    (stored.sysFlag & MessageSysFlag.COMPRESSED_FLAG) !== 0 ? inflateSync(stored.body) : Buffer.from(stored.body);
  const group = properties.get(MessageConst.SHARDING_KEY);
  const deliverAt = Number(
    properties.get(MessageConst.TIMER_OUT_MS) ??
      properties.get(MessageConst.TIMER_DELIVER_MS) ??
      properties.get('__STARTDELIVERTIME'),
  );
  const type: MessageType =
    properties.get(MessageConst.TRAN_MSG) === 'true'
      ? 'TRANSACTION'
      : group !== undefined
        ? 'FIFO'
        : deliverAt > 0 || properties.has(MessageConst.DELAY)
          ? 'DELAY'
          : 'NORMAL';
  const keys = properties.get(MessageConst.KEYS);
  return {
    topic: { resource_namespace: '', name: stored.topic },
    user_properties: user,
    body,
    system_properties: {
      tag: properties.get(MessageConst.TAGS),
      keys: keys ? keys.split(KEY_SEPARATOR).filter((key) => key.length > 0) : [],
      message_id:
        properties.get(MessageConst.UNIQ_KEY) ?? createOffsetMessageId(stored.storeHost, stored.physicalOffset),
      body_digest: { type: 'MD5', checksum: createHash('md5').update(body).digest('hex').toUpperCase() },
      body_encoding: 'IDENTITY',
      message_type: type,
      born_timestamp: timestamp(stored.bornTimestamp),
      born_host: stored.bornHost,
      store_timestamp: timestamp(stored.storeTimestamp),
      store_host: stored.storeHost,
      delivery_timestamp: deliverAt > 0 ? timestamp(deliverAt) : undefined,
      receipt_handle: delivery.receiptHandle,
      queue_id: stored.queueId,
      queue_offset: stored.queueOffset,
      invisible_duration:
        delivery.invisibleMs === undefined ? undefined : { seconds: Math.floor(delivery.invisibleMs / 1000), nanos: 0 },
      delivery_attempt: delivery.attempt ?? stored.reconsumeTimes + 1,
      message_group: group,
    },
  };
}
