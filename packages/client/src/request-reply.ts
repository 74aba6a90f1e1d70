import {
  createRequest,
  createResponse,
  MessageConst,
  propertyValue,
  ReplyMessageRequestHeader,
  replyTopic,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
  SystemTopic,
  encodeProperties,
  type RemotingCommand,
} from '@rocketnest/protocol';
import type { ClientInstance } from './client-instance.js';
import { MQBrokerError, MQClientError } from './errors.js';
import { receivedMessage, type ReceivedMessage } from './received-message.js';
import { createUniqueId } from './unique-id.js';

interface PendingRequest {
  resolve(reply: ReceivedMessage): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The requester's side of request-reply (RequestFutureHolder): requests wait by CORRELATION_ID
 * for the reply the broker pushes (PUSH_REPLY_MESSAGE_TO_CLIENT); a reply that comes after its
 * request timed out is dropped.
 */
export class PendingReplies {
  private readonly pending = new Map<string, PendingRequest>();

  constructor(instance: ClientInstance) {
    instance.remoting.registerProcessor(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, (request) =>
      this.replyArrived(request),
    );
  }

  /** Properties that make a message a request, and the promise of its reply. */
  open(
    clientId: string,
    timeoutMs: number,
    topic: string,
  ): { properties: Record<string, string>; reply: Promise<ReceivedMessage>; cancel(error: Error): void } {
    const correlationId = createUniqueId();
    let cancel: (error: Error) => void = () => {};
    const reply = new Promise<ReceivedMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new MQClientError(`no reply to the request on ${topic} within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(correlationId, { resolve, reject, timer });
      cancel = (error) => {
        clearTimeout(timer);
        this.pending.delete(correlationId);
        reject(error);
      };
    });
    return {
      properties: {
        [MessageConst.CORRELATION_ID]: correlationId,
        [MessageConst.REPLY_TO_CLIENT]: clientId,
        [MessageConst.TTL]: String(timeoutMs),
      },
      reply,
      cancel,
    };
  }

  private replyArrived(request: RemotingCommand): RemotingCommand {
    const header = ReplyMessageRequestHeader.decode(request.extFields);
    const properties = header.properties ?? '';
    const correlationId = propertyValue(properties, MessageConst.CORRELATION_ID);
    const waiting = correlationId ? this.pending.get(correlationId) : undefined;
    if (waiting) {
      this.pending.delete(correlationId!);
      clearTimeout(waiting.timer);
      const reply = receivedMessage(
        {
          topic: header.topic,
          queueId: header.queueId,
          flag: header.flag,
          body: request.body ?? Buffer.alloc(0),
          properties,
          sysFlag: header.sysFlag,
          bornTimestamp: header.bornTimestamp,
          bornHost: header.bornHost,
          storeHost: header.storeHost,
          storeTimestamp: header.storeTimestamp,
          reconsumeTimes: header.reconsumeTimes ?? 0,
          preparedTransactionOffset: 0,
          totalSize: 0,
          magic: 0,
          bodyCRC: 0,
          queueOffset: 0,
          physicalOffset: 0,
        },
        '',
      );
      waiting.resolve(reply);
    }
    return createResponse(request, ResponseCode.SUCCESS);
  }

  close(): void {
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new MQClientError('the producer shut down before the reply came'));
      this.pending.delete(id);
    }
  }
}

/**
 * Reply to a request message (MessageUtil.createReplyMessage + SEND_REPLY_MESSAGE_V2), through
 * the broker that holds the request: the reply topic of its cluster, the request's
 * CORRELATION_ID, REPLY_TO_CLIENT and TTL, MSG_TYPE=reply.
 */
export async function sendReply(
  instance: ClientInstance,
  brokerAddress: string,
  group: string,
  request: ReceivedMessage,
  body: Buffer | string,
  properties: Readonly<Record<string, string>> = {},
): Promise<void> {
  const requestProperties = request.properties;
  const requester = requestProperties[MessageConst.REPLY_TO_CLIENT];
  const correlationId = requestProperties[MessageConst.CORRELATION_ID];
  const cluster = requestProperties[MessageConst.CLUSTER];
  if (!requester || !correlationId || !cluster) {
    throw new MQClientError(
      `message ${request.msgId} is not a request: it has no REPLY_TO_CLIENT, CORRELATION_ID or CLUSTER`,
    );
  }
  const replyProperties: Record<string, string> = {
    ...properties,
    [MessageConst.MSG_TYPE]: 'reply',
    [MessageConst.CORRELATION_ID]: correlationId,
    [MessageConst.REPLY_TO_CLIENT]: requester,
    [MessageConst.UNIQ_KEY]: createUniqueId(),
  };
  const ttl = requestProperties[MessageConst.TTL];
  if (ttl) replyProperties[MessageConst.TTL] = ttl;
  const response = await instance.remoting.invoke(
    brokerAddress,
    createRequest(RequestCode.SEND_REPLY_MESSAGE_V2, {
      extFields: SendMessageRequestHeaderV2.encode({
        producerGroup: group,
        topic: replyTopic(cluster),
        defaultTopic: SystemTopic.AUTO_CREATE,
        defaultTopicQueueNums: 1,
        queueId: 0,
        sysFlag: 0,
        bornTimestamp: Date.now(),
        flag: 0,
        properties: encodeProperties(replyProperties),
      }),
      body: typeof body === 'string' ? Buffer.from(body) : body,
    }),
  );
  if (response.code !== ResponseCode.SUCCESS) throw new MQBrokerError(response.code, response.remark, brokerAddress);
}
