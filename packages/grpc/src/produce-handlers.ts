import {
  createRequest,
  decodeOffsetMessageId,
  EndTransactionRequestHeader,
  javaStringHashCode,
  RequestCode,
  SendMessageRequestHeaderV2,
  SendMessageResponseHeader,
  TransactionState,
  topicNameProblem,
} from '@rocketnest/protocol';
import type { ClientSession } from './client-session.js';
import { decodeTransactionId, encodeTransactionId } from './handles.js';
import { messageToSend, type MessageToSend } from './message-convert.js';
import { queuePermission, type BrokerQueues } from './route.js';
import { nameOf, unary, type ServiceContext } from './service-context.js';
import { checkResponse, statusOf, StatusError, type Status } from './status.js';
import type { Endpoints, Message, MessageType, Resource } from './v2-types.js';

/** What a gRPC message queue says it takes: everything, since 4.x topics keep no message type. */
const ACCEPT_ALL: MessageType[] = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'];

/** How far ahead a delivery time may be: RocketMQ 5's timerMaxDelaySec default, 3 days. */
const TIMER_MAX_DELAY_MS = 3 * 24 * 3600 * 1000;

/** The topic named by a request, its name checked by RocketMQ's rules. */
export function topicOf(resource: Resource | undefined): string {
  const topic = nameOf(resource, 'topic');
  const problem = topicNameProblem(topic);
  if (problem) throw new StatusError('ILLEGAL_TOPIC', problem);
  return topic;
}

/** A v5 MessageQueue of a master's queue; id -1 stands for all of them (pop consumption). */
export function messageQueue(topic: string, queues: BrokerQueues, id: number, endpoints: Endpoints) {
  return {
    topic: { resource_namespace: '', name: topic },
    id,
    permission: id < 0 ? 'READ_WRITE' : queuePermission(queues, id),
    broker: { name: queues.brokerName, id: 0, endpoints },
    accept_message_types: ACCEPT_ALL,
  };
}

/** QueryRoute, SendMessage and EndTransaction. */
export function produceHandlers(context: ServiceContext) {
  let next = 0;

  /** The queue a message goes to: by its message group's hash for FIFO (so a group keeps one queue), else in turn. */
  async function pickQueue(topic: string, group: string | undefined): Promise<{ queues: BrokerQueues; id: number }> {
    const writable = (await context.routes.route(topic)).flatMap((queues) =>
      Array.from({ length: queues.writeQueueNums }, (_, id) => ({ queues, id })).filter(({ id }) =>
        queuePermission(queues, id).includes('WRITE'),
      ),
    );
    if (writable.length === 0) throw new StatusError('FORBIDDEN', `topic ${topic} has no writable queue`);
    const index = group === undefined ? next++ : Math.abs(javaStringHashCode(group));
    return writable[index % writable.length]!;
  }

  async function sendOne(session: ClientSession, message: Message) {
    const broker = context.broker;
    const toSend: MessageToSend = messageToSend(message, message.topic?.name ?? '', {
      maxMessageSize: broker.storeConfig.maxMessageSize,
      timers: broker.storeConfig.timerWheelEnable,
      maxDelayMs: TIMER_MAX_DELAY_MS,
    });
    const { queues, id } = await pickQueue(toSend.topic, message.system_properties.message_group);
    const response = await session.invoke(
      queues.address,
      createRequest(RequestCode.SEND_MESSAGE_V2, {
        extFields: SendMessageRequestHeaderV2.encode({
          producerGroup: toSend.topic,
          topic: toSend.topic,
          defaultTopic: 'TBW102',
          defaultTopicQueueNums: 4,
          queueId: id,
          sysFlag: toSend.sysFlag,
          bornTimestamp: toSend.bornTimestamp,
          flag: 0,
          properties: toSend.properties,
          reconsumeTimes: 0,
          unitMode: false,
          batch: false,
        }),
        body: toSend.body,
      }),
    );
    checkResponse(response, `send to ${toSend.topic}`);
    const header = SendMessageResponseHeader.decode(response.extFields);
    const transaction =
      toSend.type === 'TRANSACTION'
        ? encodeTransactionId({
            brokerName: queues.brokerName,
            producerGroup: toSend.topic,
            commitLogOffset: decodeOffsetMessageId(header.msgId).physicalOffset,
            queueOffset: header.queueOffset,
            offsetMsgId: header.msgId,
          })
        : '';
    return { message_id: toSend.messageId, transaction_id: transaction, offset: header.queueOffset };
  }

  return {
    QueryRoute: unary(context, 'QueryRoute', async (request: { topic: Resource; endpoints?: Endpoints }) => {
      const topic = topicOf(request.topic);
      const endpoints = request.endpoints?.addresses?.length ? request.endpoints : context.endpoints();
      const route = await context.routes.route(topic);
      return {
        message_queues: route.flatMap((queues) =>
          Array.from({ length: Math.max(queues.readQueueNums, queues.writeQueueNums) }, (_, id) =>
            messageQueue(topic, queues, id, endpoints),
          ),
        ),
      };
    }),

    SendMessage: unary(context, 'SendMessage', async (request: { messages: Message[] }, session) => {
      if (!request.messages?.length) throw new StatusError('BAD_REQUEST', 'SendMessage carries no message');
      const entries = await Promise.all(
        request.messages.map((message) =>
          sendOne(session, message).then(
            (entry) => ({ status: { code: 'OK', message: 'OK' } as Status, ...entry }),
            (error: unknown) => ({ status: statusOf(error), message_id: message.system_properties?.message_id ?? '' }),
          ),
        ),
      );
      const failed = entries.find((entry) => entry.status.code !== 'OK');
      return { status: failed?.status ?? { code: 'OK', message: 'OK' }, entries };
    }),

    EndTransaction: unary(
      context,
      'EndTransaction',
      async (
        request: {
          topic: Resource;
          message_id: string;
          transaction_id: string;
          resolution: string;
          source: string;
        },
        session,
      ) => {
        const topic = topicOf(request.topic);
        const handle = decodeTransactionId(request.transaction_id);
        const state =
          request.resolution === 'COMMIT'
            ? TransactionState.COMMIT
            : request.resolution === 'ROLLBACK'
              ? TransactionState.ROLLBACK
              : TransactionState.UNKNOWN;
        const response = await session.invoke(
          await context.routes.address(topic, handle.brokerName),
          createRequest(RequestCode.END_TRANSACTION, {
            extFields: EndTransactionRequestHeader.encode({
              producerGroup: handle.producerGroup,
              tranStateTableOffset: handle.queueOffset,
              commitLogOffset: handle.commitLogOffset,
              commitOrRollback: state,
              fromTransactionCheck: request.source === 'SOURCE_SERVER_CHECK',
              msgId: handle.offsetMsgId,
              transactionId: request.message_id,
            }),
          }),
        );
        checkResponse(response, `ending transaction ${request.message_id}`);
        return {};
      },
    ),
  };
}
