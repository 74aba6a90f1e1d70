import { KEY_SEPARATOR, MessageConst } from '@rocketnest/protocol';

/** A message to send. */
export interface Message {
  topic: string;
  body: Buffer | string;
  tags?: string | undefined;
  /** Business keys, indexed by the broker for lookups. */
  keys?: string | readonly string[] | undefined;
  /** 1..18: deliver after that delay level (messageDelayLevel on the broker). */
  delayLevel?: number | undefined;
  /**
   * Deliver at this time, to the millisecond (RocketMQ 5's TIMER_DELIVER_MS). A RocketMQ 4
   * broker would deliver it at once, so the producer refuses it there, or sends it with a delay
   * level (ProducerOptions.deliverAtFallback). A delay level wins over it.
   */
  deliverAt?: Date | number | undefined;
  /** The user's flag, stored as is. */
  flag?: number | undefined;
  /** User properties. */
  properties?: Readonly<Record<string, string>> | undefined;
}

/** Properties the producer sets itself: a user's own of these names are ignored. */
const RESERVED = new Set<string>([
  MessageConst.TAGS,
  MessageConst.KEYS,
  MessageConst.DELAY,
  MessageConst.UNIQ_KEY,
  MessageConst.WAIT,
  MessageConst.TIMER_DELIVER_MS,
  MessageConst.TIMER_DELAY_MS,
  MessageConst.TIMER_DELAY_SEC,
]);

/** The properties string a message is sent with, UNIQ_KEY included. */
export function messageProperties(message: Message, uniqueId: string): string {
  // Written out rather than through a map: this runs for every message sent.
  let text = '';
  const add = (name: string, value: string) => (text += `${name}\u0001${value}\u0002`);
  if (message.properties) {
    for (const name in message.properties) if (!RESERVED.has(name)) add(name, message.properties[name]!);
  }
  if (message.tags) add(MessageConst.TAGS, message.tags);
  if (message.keys !== undefined) {
    const keys = messageKeys(message);
    if (keys.trim()) add(MessageConst.KEYS, keys);
  }
  if (message.delayLevel !== undefined && message.delayLevel > 0) add(MessageConst.DELAY, String(message.delayLevel));
  if (message.deliverAt !== undefined) add(MessageConst.TIMER_DELIVER_MS, String(Number(message.deliverAt)));
  add(MessageConst.UNIQ_KEY, uniqueId);
  add(MessageConst.WAIT, 'true');
  return text;
}

export function messageBody(message: Message): Buffer {
  return typeof message.body === 'string' ? Buffer.from(message.body) : message.body;
}

/** A message's keys as one space-separated string, as the KEYS property and traces carry them. */
export function messageKeys(message: Pick<Message, 'keys'>): string {
  if (message.keys === undefined) return '';
  return typeof message.keys === 'string' ? message.keys : message.keys.join(KEY_SEPARATOR);
}
