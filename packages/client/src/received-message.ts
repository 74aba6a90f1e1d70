import { inflateSync } from 'node:zlib';
import {
  createOffsetMessageId,
  decodeProperties,
  MessageConst,
  MessageSysFlag,
  propertyValue,
  RETRY_GROUP_TOPIC_PREFIX,
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
  /** Where the record is in the broker's CommitLog. */
  commitLogOffset: number;
  body: Buffer;
  tags: string | undefined;
  keys: string[];
  properties: Record<string, string>;
  /** Times it was given back to the group after a failure (0 the first time). */
  reconsumeTimes: number;
  bornTimestamp: number;
  storeTimestamp: number;
  bornHost: string;
  storeHost: string;
}

/**
 * A stored record as a consumer sees it: body inflated when compressed; a message back from
 * its group's %RETRY% topic shows the topic it was first sent to (RETRY_TOPIC). What most
 * listeners do not read (all properties, keys, the offset id) is worked out when first asked for.
 */
export function receivedMessage(stored: StoredMessage, brokerName: string): ReceivedMessage {
  return new StoredReceivedMessage(stored, brokerName);
}

class StoredReceivedMessage implements ReceivedMessage {
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly body: Buffer;
  readonly tags: string | undefined;
  readonly msgId: string;
  reconsumeTimes: number;
  readonly bornTimestamp: number;
  readonly storeTimestamp: number;
  readonly bornHost: string;
  readonly storeHost: string;
  private decodedProperties: Record<string, string> | undefined;

  constructor(
    private readonly stored: StoredMessage,
    readonly brokerName: string,
  ) {
    this.topic = stored.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)
      ? (propertyValue(stored.properties, MessageConst.RETRY_TOPIC) ?? stored.topic)
      : stored.topic;
    this.queueId = stored.queueId;
    this.queueOffset = stored.queueOffset;
    this.body = stored.sysFlag & MessageSysFlag.COMPRESSED_FLAG ? inflateSync(stored.body) : stored.body;
    this.tags = propertyValue(stored.properties, MessageConst.TAGS);
    this.msgId = propertyValue(stored.properties, MessageConst.UNIQ_KEY) ?? this.offsetMsgId;
    this.reconsumeTimes = stored.reconsumeTimes;
    this.bornTimestamp = stored.bornTimestamp;
    this.storeTimestamp = stored.storeTimestamp;
    this.bornHost = stored.bornHost;
    this.storeHost = stored.storeHost;
  }

  get commitLogOffset(): number {
    return this.stored.physicalOffset;
  }

  get offsetMsgId(): string {
    return createOffsetMessageId(this.stored.storeHost, this.stored.physicalOffset);
  }

  get properties(): Record<string, string> {
    return (this.decodedProperties ??= Object.fromEntries(decodeProperties(this.stored.properties)));
  }

  get keys(): string[] {
    const keys = propertyValue(this.stored.properties, MessageConst.KEYS);
    return keys ? keys.split(' ').filter((key) => key.length > 0) : [];
  }
}
