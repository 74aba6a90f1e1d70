import { KEY_SEPARATOR, MessageConst, propertyValue, SystemTopic, tagsCode } from '@rocketnest/protocol';

/**
 * The tag code of a message's ConsumeQueue entry: the hash of its tag, or for the topics delayed
 * messages wait in, its delivery time: for SCHEDULE_TOPIC_XXXX store time plus the delay of its
 * level (clamped to the last level), for the timer topic its TIMER_DELIVER_MS.
 */
export function consumeQueueTagsCode(
  topic: string,
  properties: string,
  storeTimestamp: number,
  delayLevels: readonly number[],
): number {
  if (topic === SystemTopic.SCHEDULE) {
    const level = Number(propertyValue(properties, MessageConst.DELAY) ?? 0);
    if (level > 0) return storeTimestamp + delayLevels[Math.min(level, delayLevels.length) - 1]!;
  } else if (topic === SystemTopic.TIMER) {
    const due = Number(propertyValue(properties, MessageConst.TIMER_DELIVER_MS));
    if (Number.isSafeInteger(due)) return due;
  }
  return tagsCode(propertyValue(properties, MessageConst.TAGS));
}

/** The keys a message is indexed by: its UNIQ_KEY, then each of its space-separated KEYS. */
export function indexKeys(properties: string): string[] {
  const keys: string[] = [];
  const uniqKey = propertyValue(properties, MessageConst.UNIQ_KEY);
  if (uniqKey) keys.push(uniqKey);
  const businessKeys = propertyValue(properties, MessageConst.KEYS);
  if (!businessKeys) return keys;
  if (!businessKeys.includes(KEY_SEPARATOR)) keys.push(businessKeys);
  else for (const key of businessKeys.split(KEY_SEPARATOR)) if (key) keys.push(key);
  return keys;
}
