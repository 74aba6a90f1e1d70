import {
  ConsumeMessageDirectlyResultRequestHeader,
  createRequest,
  createResponse,
  decodeOffsetMessageId,
  GetConsumerRunningInfoRequestHeader,
  ResponseCode,
  type RemotingCommand,
} from '@rocketnest/protocol';
import { RemotingTimeoutError } from '@rocketnest/remoting';
import type { BrokerContext } from '../broker-context.js';

/** How long the broker waits for a consumer's answer (Broker2Client.callClient). */
const CALL_CONSUMER_TIMEOUT_MS = 10_000;

/**
 * GET_CONSUMER_RUNNING_INFO (307), mqadmin consumerStatus: the request goes on to the named
 * member of the group over its own connection, and its answer comes back as it is.
 */
export function getConsumerRunningInfo(broker: BrokerContext) {
  return (request: RemotingCommand): Promise<RemotingCommand> => {
    const { consumerGroup, clientId } = GetConsumerRunningInfoRequestHeader.decode(request.extFields);
    return callConsumer(broker, request, consumerGroup, clientId);
  };
}

/**
 * CONSUME_MESSAGE_DIRECTLY (309), mqadmin queryMsgById -g -d: the stored message (msgId is its
 * offset message id) goes to the named member, whose listener consumes it and says how it went.
 */
export function consumeMessageDirectly(broker: BrokerContext) {
  return (request: RemotingCommand): Promise<RemotingCommand> | RemotingCommand => {
    const header = ConsumeMessageDirectlyResultRequestHeader.decode(request.extFields);
    let physicalOffset: number;
    try {
      physicalOffset = decodeOffsetMessageId(header.msgId ?? '').physicalOffset;
    } catch (error) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: (error as Error).message });
    }
    const record = broker.store.lookMessageByOffset(physicalOffset);
    if (!record) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: `no message is stored at the offset of message id ${header.msgId}`,
      });
    }
    const forwarded = {
      ...request,
      extFields: { ...request.extFields, brokerName: broker.config.brokerName },
      body: record,
    };
    return callConsumer(broker, forwarded, header.consumerGroup, header.clientId ?? '');
  };
}

async function callConsumer(
  broker: BrokerContext,
  request: RemotingCommand,
  group: string,
  clientId: string,
): Promise<RemotingCommand> {
  const channel = [...(broker.consumers.get(group)?.channels.values() ?? [])].find(
    (member) => member.clientId === clientId,
  );
  if (!channel) {
    return createResponse(request, ResponseCode.SYSTEM_ERROR, {
      remark: `The Consumer <${group}> <${clientId}> not online`,
    });
  }
  try {
    const answer = await channel.connection.invoke(
      createRequest(request.code, { extFields: request.extFields, body: request.body }),
      CALL_CONSUMER_TIMEOUT_MS,
    );
    return { ...answer, opaque: request.opaque };
  } catch (error) {
    const message = (error as Error).message;
    return error instanceof RemotingTimeoutError
      ? createResponse(request, ResponseCode.CONSUME_MSG_TIMEOUT, {
          remark: `consumer <${group}> <${clientId}> Timeout: ${message}`,
        })
      : createResponse(request, ResponseCode.SYSTEM_ERROR, {
          remark: `invoke consumer <${group}> <${clientId}> Exception: ${message}`,
        });
  }
}
