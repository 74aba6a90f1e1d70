import { defineHeader, f, type HeaderOf } from '../header-schema.js';

/** UNREGISTER_CLIENT (35). */
export const UnregisterClientRequestHeader = defineHeader('UnregisterClientRequestHeader', {
  clientID: f.string,
  producerGroup: f.opt.group,
  consumerGroup: f.opt.group,
});
export type UnregisterClientRequestHeader = HeaderOf<typeof UnregisterClientRequestHeader>;

/** GET_CONSUMER_LIST_BY_GROUP (38). */
export const GetConsumerListByGroupRequestHeader = defineHeader('GetConsumerListByGroupRequestHeader', {
  consumerGroup: f.group,
});
export type GetConsumerListByGroupRequestHeader = HeaderOf<typeof GetConsumerListByGroupRequestHeader>;

/** NOTIFY_CONSUMER_IDS_CHANGED (40), broker to consumer, one-way. */
export const NotifyConsumerIdsChangedRequestHeader = defineHeader('NotifyConsumerIdsChangedRequestHeader', {
  consumerGroup: f.group,
});
export type NotifyConsumerIdsChangedRequestHeader = HeaderOf<typeof NotifyConsumerIdsChangedRequestHeader>;
