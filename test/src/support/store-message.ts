import { encodeProperties, type MessageToStore } from '@rocketnest/protocol';

/**
 * A message as a broker hands it to the store, from a local producer to a local broker; properties
 * as a map, or encoded as they come off the wire.
 */
export function storeMessage(
  topic: string,
  queueId: number,
  body: Buffer,
  properties: Record<string, string> | string,
): MessageToStore {
  return {
    topic,
    queueId,
    flag: 0,
    body,
    properties: typeof properties === 'string' ? properties : encodeProperties(properties),
    sysFlag: 0,
    bornTimestamp: Date.now(),
    bornHost: '127.0.0.1:40000',
    storeHost: '127.0.0.1:10911',
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
  };
}
