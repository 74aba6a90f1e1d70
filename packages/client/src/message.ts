import { encodeProperties, KEY_SEPARATOR, MessageConst } from '@rocketnest/protocol';

/** A message to send. */
export interface Message {
  topic: string;
  body: Buffer | string;
  tags?: string | undefined;
  /** Business keys, indexed by the broker for lookups. */
  keys?: string | readonly string[] | undefined;
  /** 1..18: deliver after that delay level (messageDelayLevel on the broker). */
  delayLevel?: number | undefined;
  /** The user's flag, stored as is. */
  flag?: number | undefined;
  /** User properties. */
  properties?: Readonly<Record<string, string>> | undefined;
}

/** The properties string a message is sent with, UNIQ_KEY included. */
export function messageProperties(message: Message, uniqueId: string): string {
  const properties: Record<string, string> = { ...message.properties };
  if (message.tags) properties[MessageConst.TAGS] = message.tags;
  if (message.keys !== undefined) {
    const keys = typeof message.keys === 'string' ? message.keys : message.keys.join(KEY_SEPARATOR);
    if (keys.trim()) properties[MessageConst.KEYS] = keys;
  }
  if (message.delayLevel !== undefined && message.delayLevel > 0)
    properties[MessageConst.DELAY] = String(message.delayLevel);
  properties[MessageConst.UNIQ_KEY] = uniqueId;
  properties[MessageConst.WAIT] = 'true';
  return encodeProperties(properties);
}

export function messageBody(message: Message): Buffer {
  return typeof message.body === 'string' ? Buffer.from(message.body) : message.body;
}
