import {
  createResponse,
  QueryMessageRequestHeader,
  QueryMessageResponseHeader,
  ResponseCode,
  ViewMessageRequestHeader,
  type RemotingCommand,
} from '@rocketnest/protocol';
import type { BrokerContext } from '../broker-context.js';

/** QUERY_MESSAGE (12): messages by key (or unique id) within a time range, through the index. */
export function queryMessage(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const header = QueryMessageRequestHeader.decode(request.extFields);
    const result = broker.store.queryMessage(
      header.topic,
      header.key,
      header.maxNum,
      header.beginTimestamp,
      header.endTimestamp,
    );
    const extFields = QueryMessageResponseHeader.encode({
      indexLastUpdateTimestamp: result.indexLastUpdateTimestamp,
      indexLastUpdatePhyoffset: result.indexLastUpdatePhyoffset,
    });
    if (result.messages.length === 0) {
      return createResponse(request, ResponseCode.QUERY_NOT_FOUND, {
        extFields,
        remark: `can not find message, maybe time range not correct: no message of topic ${header.topic} with key ${header.key}`,
      });
    }
    return createResponse(request, ResponseCode.SUCCESS, { extFields, body: Buffer.concat(result.messages) });
  };
}

/** VIEW_MESSAGE_BY_ID (33): the record at a CommitLog offset (decoded from an offset message id). */
export function viewMessageById(broker: BrokerContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { offset } = ViewMessageRequestHeader.decode(request.extFields);
    const record = broker.store.lookMessageByOffset(offset);
    if (!record) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: `can not find message by the offset, ${offset}`,
      });
    }
    return createResponse(request, ResponseCode.SUCCESS, { body: record });
  };
}
