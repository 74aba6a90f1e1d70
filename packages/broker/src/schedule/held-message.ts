import {
  MessageConst,
  MessageSysFlag,
  propertyValue,
  SystemTopic,
  transactionType,
  withProperties,
  type MessageToStore,
  type StoredMessage,
} from '@rocketnest/protocol';
import type { BrokerContext } from '../broker-context.js';

/** How long delivery waits before trying again after the store failed to take a message. */
export const RETRY_AFTER_FAILURE_MS = 100;

/** What the names of the delivery-time properties start with. */
const TIMER_PREFIX = 'TIMER_';

/** A message the broker refuses as sent: the send answers MESSAGE_ILLEGAL with this text. */
export class IllegalMessageError extends Error {}

/**
 * Where a message waits before its consumers see it: a message with a delay level goes to
 * SCHEDULE_TOPIC_XXXX (queue = level - 1, clamped to the last level), one with a delivery time
 * (RocketMQ 5's TIMER_DELIVER_MS, TIMER_DELAY_MS or TIMER_DELAY_SEC) to the timer topic; both
 * remember their real topic and queue. Other messages, and half or rolled back transactional
 * messages, are stored as they are. A delay level wins over a delivery time, as in RocketMQ 5.
 * Without timers (timerWheelEnable=false) a delivery time is left as it is: the message is visible at once.
 */
export function holdUntilDue(
  message: MessageToStore,
  delayLevelCount: number,
  now: number,
  keepsDeliveryTimes: boolean,
): MessageToStore {
  const type = transactionType(message.sysFlag);
  if (type !== MessageSysFlag.TRANSACTION_NOT_TYPE && type !== MessageSysFlag.TRANSACTION_COMMIT_TYPE) return message;
  const { properties } = message;
  const delay = propertyValue(properties, MessageConst.DELAY);
  // Most messages are neither: spare them the lookups of the three timer properties.
  if (delay === undefined && !properties.includes(TIMER_PREFIX)) return message;
  const level = Number(delay ?? 0);
  const real = { [MessageConst.REAL_TOPIC]: message.topic, [MessageConst.REAL_QID]: String(message.queueId) };
  const timers = {
    [MessageConst.TIMER_DELIVER_MS]: undefined,
    [MessageConst.TIMER_DELAY_MS]: undefined,
    [MessageConst.TIMER_DELAY_SEC]: undefined,
  };
  if (level > 0) {
    const clamped = Math.min(level, delayLevelCount);
    return {
      ...message,
      topic: SystemTopic.SCHEDULE,
      queueId: clamped - 1,
      properties: withProperties(properties, { ...real, ...timers, [MessageConst.DELAY]: String(clamped) }),
    };
  }
  const due = keepsDeliveryTimes ? deliveryTime(properties, now) : undefined;
  if (due === undefined) return message;
  if (due <= now) return { ...message, properties: withProperties(properties, timers) };
  return {
    ...message,
    topic: SystemTopic.TIMER,
    queueId: 0,
    properties: withProperties(properties, { ...real, ...timers, [MessageConst.TIMER_DELIVER_MS]: String(due) }),
  };
}

/** When a timer message is due (ms since the epoch), or undefined when it is not one. */
function deliveryTime(properties: string, now: number): number | undefined {
  const read = (name: string, scale: number, base: number): number | undefined => {
    const text = propertyValue(properties, name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value * scale)) {
      throw new IllegalMessageError(
        `property ${name} must be a whole number of ${scale === 1000 ? 's' : 'ms'}, got "${text}"`,
      );
    }
    return base + value * scale;
  };
  return (
    read(MessageConst.TIMER_DELIVER_MS, 1, 0) ??
    read(MessageConst.TIMER_DELAY_MS, 1, now) ??
    read(MessageConst.TIMER_DELAY_SEC, 1000, now)
  );
}

/**
 * A held record made visible: back in its real topic and queue (REAL_TOPIC, REAL_QID), its
 * properties changed as changes says (undefined removes one), WAIT=false; body, flags, hosts, times and reconsume count
 * as stored. The store gives it a new offset id; its UNIQ_KEY stays.
 */
export function releaseHeld(
  record: StoredMessage,
  changes: Readonly<Record<string, string | undefined>>,
): MessageToStore {
  const realTopic = propertyValue(record.properties, MessageConst.REAL_TOPIC);
  const realQueueId = Number(propertyValue(record.properties, MessageConst.REAL_QID));
  if (!realTopic || !Number.isInteger(realQueueId)) {
    throw new IllegalMessageError(`the held message at ${record.physicalOffset} has no REAL_TOPIC or REAL_QID`);
  }
  return {
    topic: realTopic,
    queueId: realQueueId,
    flag: record.flag,
    body: record.body,
    properties: withProperties(record.properties, { ...changes, [MessageConst.WAIT]: 'false' }),
    sysFlag: record.sysFlag,
    bornTimestamp: record.bornTimestamp,
    bornHost: record.bornHost,
    storeHost: record.storeHost,
    reconsumeTimes: record.reconsumeTimes,
    preparedTransactionOffset: record.preparedTransactionOffset,
  };
}

/**
 * Put a held record back in its real topic. True when that is done with: stored, or dropped
 * because it can never be stored (logged); false when the store failed for now (retry later).
 */
export async function deliverHeld(
  broker: Pick<BrokerContext, 'store' | 'logger'>,
  record: StoredMessage,
  changes: Readonly<Record<string, string | undefined>>,
): Promise<boolean> {
  // A half message that found its way here must never become visible by a delay.
  if (propertyValue(record.properties, MessageConst.REAL_TOPIC) === SystemTopic.TRANS_HALF) return true;
  let message: MessageToStore;
  try {
    message = releaseHeld(record, changes);
  } catch (error) {
    broker.logger.error(`${(error as Error).message}: dropped`);
    return true;
  }
  const result = await broker.store.putMessage(message);
  switch (result.status) {
    case 'PUT_OK':
    case 'FLUSH_DISK_TIMEOUT':
      return true;
    case 'MESSAGE_ILLEGAL':
    case 'PROPERTIES_SIZE_EXCEEDED':
      broker.logger.error(
        `the held message at ${record.physicalOffset} for ${message.topic} cannot be stored (${result.error}): dropped`,
      );
      return true;
    default:
      broker.logger.warn(
        `the held message at ${record.physicalOffset} for ${message.topic} could not be stored (${result.error ?? result.status}); retrying`,
      );
      return false;
  }
}
