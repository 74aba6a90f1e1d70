import { inflateSync } from 'node:zlib';
import {
  createOffsetMessageId,
  decodeProperties,
  MessageConst,
  MessageSysFlag,
  type StoredMessage,
} from '@rocketnest/protocol';

/** A message as a consumer receives it (MessageExt). */
export interface ReceivedMessage {
  topic: string;
  brokerName: string;
  queueId: number;
  queueOffset: number;
  /** The unique id (UNIQ_KEY), or the offset id when the producer set none. */
  msgId: string;
  offsetMsgId: string;
  body: Buffer;
  tags: string | undefined;
  keys: string[];
  properties: Record<string, string>;
  reconsumeTimes: number;
  bornTimestamp: number;
  storeTimestamp: number;
  bornHost: string;
  storeHost: string;
}

/** A stored record as a consumer sees it: body inflated when compressed, properties decoded. */
export function receivedMessage(stored: StoredMessage, brokerName: string): ReceivedMessage {
  const properties = Object.fromEntries(decodeProperties(stored.properties));
  const offsetMsgId = createOffsetMessageId(stored.storeHost, stored.physicalOffset);
  const keys = properties[MessageConst.KEYS];
  return {
    topic: stored.topic,
    brokerName,
    queueId: stored.queueId,
    queueOffset: stored.queueOffset,
    msgId: properties[MessageConst.UNIQ_KEY] ?? offsetMsgId,
    offsetMsgId,
    body: stored.sysFlag & MessageSysFlag.COMPRESSED_FLAG ? inflateSync(stored.body) : stored.body,
    tags: properties[MessageConst.TAGS],
    keys: keys ? keys.split(' ').filter((key) => key.length > 0) : [],
    properties,
    reconsumeTimes: stored.reconsumeTimes,
    bornTimestamp: stored.bornTimestamp,
    storeTimestamp: stored.storeTimestamp,
    bornHost: stored.bornHost,
    storeHost: stored.storeHost,
  };
}
