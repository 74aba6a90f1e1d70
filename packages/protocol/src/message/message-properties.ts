/** Property names of MessageConst that the store and broker read or write. */
export const MessageConst = {
  KEYS: 'KEYS',
  TAGS: 'TAGS',
  WAIT: 'WAIT',
  DELAY: 'DELAY',
  UNIQ_KEY: 'UNIQ_KEY',
  TRAN_MSG: 'TRAN_MSG',
  PGROUP: 'PGROUP',
  RETRY_TOPIC: 'RETRY_TOPIC',
  RECONSUME_TIME: 'RECONSUME_TIME',
  MAX_RECONSUME_TIMES: 'MAX_RECONSUME_TIMES',
  ORIGIN_MESSAGE_ID: 'ORIGIN_MESSAGE_ID',
  REAL_TOPIC: 'REAL_TOPIC',
  REAL_QID: 'REAL_QID',
  CLUSTER: 'CLUSTER',
  CORRELATION_ID: 'CORRELATION_ID',
  REPLY_TO_CLIENT: 'REPLY_TO_CLIENT',
  TTL: 'TTL',
  MSG_TYPE: 'MSG_TYPE',
  TRANSACTION_CHECK_TIMES: 'TRANSACTION_CHECK_TIMES',
  TRAN_PREPARED_QUEUE_OFFSET: 'TRAN_PREPARED_QUEUE_OFFSET',
  SHARDING_KEY: '__SHARDINGKEY',
  MIN_OFFSET: 'MIN_OFFSET',
  MAX_OFFSET: 'MAX_OFFSET',
  /** RocketMQ 5 timer messages: deliver at this time (ms since the epoch)... */
  TIMER_DELIVER_MS: 'TIMER_DELIVER_MS',
  /** ... or after this many ms ... */
  TIMER_DELAY_MS: 'TIMER_DELAY_MS',
  /** ... or seconds. */
  TIMER_DELAY_SEC: 'TIMER_DELAY_SEC',
  /** RocketMQ 5: when a timer message came due, on the message delivered. */
  TIMER_OUT_MS: 'TIMER_OUT_MS',
  PUSH_REPLY_TIME: 'PUSH_REPLY_TIME',
  CHECK_IMMUNITY_TIME_IN_SECONDS: 'CHECK_IMMUNITY_TIME_IN_SECONDS',
} as const;

/** KEYS holds several keys separated by one space. */
export const KEY_SEPARATOR = ' ';

const NAME_VALUE_SEPARATOR = '\u0001';
const PROPERTY_SEPARATOR = '\u0002';

/** name\u0001value\u0002 for every entry with a value, as MessageDecoder.messageProperties2String. */
export function encodeProperties(properties: ReadonlyMap<string, string> | Readonly<Record<string, string>>): string {
  const entries = properties instanceof Map ? properties.entries() : Object.entries(properties);
  let text = '';
  for (const [name, value] of entries) {
    if (value !== undefined && value !== null) text += name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
  }
  return text;
}

/** The properties string with names set to values, and the names given undefined removed. */
export function withProperties(text: string, changes: Readonly<Record<string, string | undefined>>): string {
  const properties = decodeProperties(text);
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) properties.delete(name);
    else properties.set(name, value);
  }
  return encodeProperties(properties);
}

/**
 * Parse a properties string as MessageDecoder.string2messageProperties does: pieces split on
 * \u0002, each cut at its first \u0001; pieces with an empty name or value are dropped, and a
 * later duplicate wins.
 */
export function decodeProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = text.length;
    const cut = text.indexOf(NAME_VALUE_SEPARATOR, start);
    if (cut > start && cut < end - 1) properties.set(text.slice(start, cut), text.slice(cut + 1, end));
    start = end + 1;
  }
  return properties;
}

/** "name\u0001" by name, built once per name. */
const needles = new Map<string, string>();

/** One property's value from an encoded properties string, without decoding the rest. */
export function propertyValue(text: string, name: string): string | undefined {
  let needle = needles.get(name);
  if (needle === undefined) {
    needle = name + NAME_VALUE_SEPARATOR;
    if (needles.size >= 1024) needles.clear();
    needles.set(name, needle);
  }
  let found: string | undefined;
  let from = 0;
  for (;;) {
    const at = text.indexOf(needle, from);
    if (at < 0) return found;
    if (at > 0 && text[at - 1] !== PROPERTY_SEPARATOR) {
      from = at + 1;
      continue;
    }
    const start = at + needle.length;
    let end = text.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = text.length;
    // An empty value counts as absent and a later duplicate wins, as in decodeProperties.
    if (end > start) found = text.slice(start, end);
    from = end + 1;
  }
}

/**
 * The encoded properties with name set to value unless it has a value already. RocketMQ 4.9's
 * Java client drops the separator after the last property where encodeProperties writes one:
 * either way the new property is added as one of its own, in the string's style.
 */
export function withDefaultProperty(text: string, name: string, value: string): string {
  if (propertyValue(text, name) !== undefined) return text;
  const property = name + NAME_VALUE_SEPARATOR + value;
  if (text === '' || text.endsWith(PROPERTY_SEPARATOR)) return text + property + PROPERTY_SEPARATOR;
  return text + PROPERTY_SEPARATOR + property;
}
