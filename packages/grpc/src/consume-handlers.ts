import type { ServerWritableStream } from '@grpc/grpc-js';
import { groupNameProblem } from '@rocketnest/protocol';
import { decodeReceiptHandle, encodeReceiptHandle } from './handles.js';
import { storedToMessage } from './message-convert.js';
import { messageQueue, topicOf } from './produce-handlers.js';
import { groupSettings, nameOf, unary, type ServiceContext } from './service-context.js';
import { statusOf, StatusError, type Status } from './status.js';
import {
  durationMs,
  timestamp,
  type Duration,
  type Endpoints,
  type FilterExpression,
  type Resource,
} from './v2-types.js';

/** Invisible durations a receive may ask for (RocketMQ 5 allows up to 12 h; 1 s at least here). */
const MIN_INVISIBLE_MS = 1000;
const MAX_INVISIBLE_MS = 12 * 3600 * 1000;
/** Long polling a receive may ask for at most; it waits 20 s when it names none. */
const MAX_POLLING_MS = 60_000;
const DEFAULT_POLLING_MS = 20_000;
const MAX_BATCH = 1024;

/** The consumer group a request names, checked by RocketMQ's rules. */
export function groupOf(resource: Resource | undefined): string {
  const group = nameOf(resource, 'consumer group');
  const problem = groupNameProblem(group);
  if (problem) throw new StatusError('ILLEGAL_CONSUMER_GROUP', problem);
  return group;
}

interface ReceiveMessageRequest {
  group: Resource;
  message_queue?: { topic: Resource; broker?: { name: string } };
  filter_expression?: FilterExpression;
  batch_size: number;
  invisible_duration?: Duration;
  long_polling_timeout?: Duration;
}

/** QueryAssignment, ReceiveMessage, AckMessage, ChangeInvisibleDuration and ForwardMessageToDeadLetterQueue. */
export function consumeHandlers(context: ServiceContext) {
  async function receive(call: ServerWritableStream<ReceiveMessageRequest, unknown>): Promise<void> {
    const session = context.session(call.metadata, call.getPeer());
    const request = call.request;
    const group = groupOf(request.group);
    const topic = topicOf(request.message_queue?.topic);
    const invisibleMs = durationMs(request.invisible_duration) ?? 30_000;
    if (invisibleMs < MIN_INVISIBLE_MS || invisibleMs > MAX_INVISIBLE_MS) {
      throw new StatusError(
        'ILLEGAL_INVISIBLE_TIME',
        `invisible duration ${invisibleMs} ms is outside ${MIN_INVISIBLE_MS} ms to ${MAX_INVISIBLE_MS / 3600_000} h`,
      );
    }
    const pollMs = durationMs(request.long_polling_timeout) ?? DEFAULT_POLLING_MS;
    if (pollMs < 0 || pollMs > MAX_POLLING_MS) {
      throw new StatusError(
        'ILLEGAL_POLLING_TIME',
        `long polling timeout ${pollMs} ms is outside 0 to ${MAX_POLLING_MS} ms`,
      );
    }
    const batchSize = request.batch_size;
    if (!(batchSize > 0 && batchSize <= MAX_BATCH)) {
      throw new StatusError('BAD_REQUEST', `batch size ${batchSize} is outside 1 to ${MAX_BATCH}`);
    }
    const filter = request.filter_expression ?? { type: 'TAG', expression: '*' };
    if (filter.type === 'SQL' && !context.broker.config.enablePropertyFilter) {
      throw new StatusError(
        'ILLEGAL_FILTER_EXPRESSION',
        'SQL92 filters need enablePropertyFilter=true in broker.conf; use a TAG filter or turn it on',
      );
    }
    const route = await context.routes.route(topic);
    const brokerName = request.message_queue?.broker?.name;
    const queues = route.find((each) => each.brokerName === brokerName) ?? route[0];
    if (!queues) throw new StatusError('TOPIC_NOT_FOUND', `topic ${topic} has no queue to read`);
    const aborted = new AbortController();
    call.on('cancelled', () => aborted.abort());
    const { fifo, maxAttempts } = groupSettings(context.broker, group);
    const received = await context.pop.receive({
      session,
      group,
      topic,
      brokerName: queues.brokerName,
      address: queues.address,
      readQueueNums: queues.readQueueNums,
      filter,
      batchSize,
      invisibleMs,
      pollMs,
      fifo,
      maxAttempts,
      signal: aborted.signal,
    });
    if (received.length === 0) {
      call.write({ status: { code: 'MESSAGE_NOT_FOUND', message: 'no new message' } });
      return;
    }
    call.write({ delivery_timestamp: timestamp(Date.now()) });
    for (const each of received) {
      call.write({
        message: storedToMessage(each.stored, {
          receiptHandle: encodeReceiptHandle(each.handle),
          invisibleMs,
          attempt: each.attempt,
        }),
      });
    }
    call.write({ status: { code: 'OK', message: 'OK' } });
  }

  return {
    QueryAssignment: unary(
      context,
      'QueryAssignment',
      async (request: { topic: Resource; group: Resource; endpoints?: Endpoints }) => {
        const topic = topicOf(request.topic);
        groupOf(request.group);
        const endpoints = request.endpoints?.addresses?.length ? request.endpoints : context.endpoints();
        const route = await context.routes.route(topic);
        return {
          assignments: route
            .filter((queues) => queues.readQueueNums > 0)
            .map((queues) => ({ message_queue: messageQueue(topic, queues, -1, endpoints) })),
        };
      },
    ),

    ReceiveMessage: (call: ServerWritableStream<ReceiveMessageRequest, unknown>): void => {
      receive(call)
        .catch((error: unknown) => {
          if (!(error instanceof StatusError)) context.logger.warn(`gRPC ReceiveMessage: ${(error as Error).message}`);
          call.write({ status: statusOf(error) });
        })
        .finally(() => call.end());
    },

    AckMessage: unary(
      context,
      'AckMessage',
      async (request: {
        group: Resource;
        topic: Resource;
        entries: { message_id: string; receipt_handle: string }[];
      }) => {
        const group = groupOf(request.group);
        const entries = request.entries.map((entry) => {
          let status: Status = { code: 'OK', message: 'OK' };
          try {
            context.pop.ack(group, decodeReceiptHandle(entry.receipt_handle));
          } catch (error) {
            status = statusOf(error);
          }
          return { message_id: entry.message_id, receipt_handle: entry.receipt_handle, status };
        });
        const failed = entries.filter((entry) => entry.status.code !== 'OK');
        const status: Status =
          failed.length === 0
            ? { code: 'OK', message: 'OK' }
            : failed.length === entries.length
              ? failed[0]!.status
              : { code: 'MULTIPLE_RESULTS', message: `${failed.length} of ${entries.length} acks failed` };
        return { status, entries };
      },
    ),

    ChangeInvisibleDuration: unary(
      context,
      'ChangeInvisibleDuration',
      async (request: { group: Resource; receipt_handle: string; invisible_duration?: Duration }) => {
        const group = groupOf(request.group);
        const ms = durationMs(request.invisible_duration) ?? -1;
        if (ms < 0 || ms > MAX_INVISIBLE_MS) {
          throw new StatusError('ILLEGAL_INVISIBLE_TIME', `invisible duration ${ms} ms is outside 0 to 12 h`);
        }
        const handle = context.pop.changeInvisible(group, decodeReceiptHandle(request.receipt_handle), ms);
        return { receipt_handle: encodeReceiptHandle(handle) };
      },
    ),

    ForwardMessageToDeadLetterQueue: unary(
      context,
      'ForwardMessageToDeadLetterQueue',
      async (request: { group: Resource; receipt_handle: string; max_delivery_attempts: number }) => {
        const group = groupOf(request.group);
        const attempts =
          request.max_delivery_attempts > 0
            ? request.max_delivery_attempts
            : groupSettings(context.broker, group).maxAttempts;
        await context.pop.deadLetter(group, decodeReceiptHandle(request.receipt_handle), attempts);
        return {};
      },
    ),
  };
}
