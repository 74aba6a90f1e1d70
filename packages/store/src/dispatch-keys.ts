import { KEY_SEPARATOR, MessageConst, propertyValue, tagsCode } from '@rocketnest/protocol';

/** The topic delayed messages wait in; its ConsumeQueue tag code is the delivery time. */
export const SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';

/**
 * The tag code of a message's ConsumeQueue entry: the hash of its tag, or for SCHEDULE_TOPIC_XXXX
 * its delivery time (store time plus the delay of its level, clamped to the last level).
 */
export function consumeQueueTagsCode(
  topic: string,
  properties: string,
  storeTimestamp: number,
  delayLevels: readonly number[],
): number {
  if (topic === SCHEDULE_TOPIC) {
    const level = Number(propertyValue(properties, MessageConst.DELAY) ?? 0);
    if (level > 0) return storeTimestamp + delayLevels[Math.min(level, delayLevels.length) - 1]!;
  }
  return tagsCode(propertyValue(properties, MessageConst.TAGS));
}

/** The keys a message is indexed by: its UNIQ_KEY, then each of its space-separated KEYS. */
export function indexKeys(properties: string): string[] {
  const keys: string[] = [];
  const uniqKey = propertyValue(properties, MessageConst.UNIQ_KEY);
  if (uniqKey) keys.push(uniqKey);
  const businessKeys = propertyValue(properties, MessageConst.KEYS);
  if (businessKeys) for (const key of businessKeys.split(KEY_SEPARATOR)) if (key) keys.push(key);
  return keys;
}
