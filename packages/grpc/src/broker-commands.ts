import {
  CheckTransactionStateRequestHeader,
  ConsumeMessageDirectlyResultRequestHeader,
  createResponse,
  decodeStoredMessages,
  encodeJavaJson,
  MessageConst,
  propertyValue,
  RequestCode,
  ResponseCode,
  type RemotingCommand,
} from '@rocketnest/protocol';
import type { ClientSession, TelemetryCommand } from './client-session.js';
import { encodeTransactionId } from './handles.js';
import { storedToMessage } from './message-convert.js';
import type { RouteService } from './route.js';

function firstMessage(request: RemotingCommand) {
  const [stored] = decodeStoredMessages(request.body ?? Buffer.alloc(0));
  return stored;
}

/**
 * Answer what brokers send a v5 client on its remoting connection, by telemetry commands as
 * RocketMQ 5's proxy does: a transaction check becomes RecoverOrphanedTransactionCommand (the
 * client answers with EndTransaction), mqadmin's running info a PrintThreadStackTraceCommand and
 * its consumeMessage a VerifyMessageCommand.
 */
export function serveBrokerCommands(session: ClientSession, routes: RouteService): void {
  session.remoting.registerProcessor(RequestCode.CHECK_TRANSACTION_STATE, (request, { connection }) => {
    const header = CheckTransactionStateRequestHeader.decode(request.extFields);
    const stored = firstMessage(request);
    if (!stored) return null;
    const topic = propertyValue(stored.properties, MessageConst.REAL_TOPIC) ?? stored.topic;
    void routes
      .route(topic)
      .then((route) => {
        const brokerName = route.find((queues) => queues.address === connection.remoteAddress)?.brokerName;
        if (!brokerName) return;
        const message = storedToMessage({ ...stored, topic });
        session.send({
          recover_orphaned_transaction_command: {
            message,
            transaction_id: encodeTransactionId({
              brokerName,
              producerGroup: propertyValue(stored.properties, MessageConst.PGROUP) ?? topic,
              commitLogOffset: header.commitLogOffset,
              queueOffset: header.tranStateTableOffset,
              offsetMsgId: header.offsetMsgId ?? header.msgId ?? '',
            }),
          },
        });
      })
      .catch(() => undefined);
    return null;
  });

  session.remoting.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, async (request) => {
    const started = Date.now();
    let jstack: string;
    try {
      const answer: TelemetryCommand = await session.ask('print_thread_stack_trace_command', {});
      jstack = answer.thread_stack_trace?.thread_stack_trace ?? '';
    } catch (error) {
      jstack = `(no stack: ${(error as Error).message})`;
    }
    const heartbeat = session.heartbeatData();
    const info = {
      properties: {
        PROP_CLIENT_VERSION: session.settings?.user_agent?.version ?? '',
        PROP_CLIENT_LANGUAGE: session.settings?.user_agent?.language ?? '',
        PROP_CONSUME_TYPE: 'CONSUME_POP',
        PROP_CONSUMEORDERLY: 'false',
        PROP_CONSUMER_START_TIMESTAMP: String(started),
        PROP_NAMESERVER_ADDR: '',
        PROP_CLIENT_PROTOCOL: 'gRPC (apache.rocketmq.v2)',
      },
      subscriptionSet: heartbeat.consumerDataSet.flatMap((consumer) => consumer.subscriptionDataSet),
      mqTable: {},
      statusTable: {},
      jstack,
    };
    return createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from(encodeJavaJson(info)) });
  });

  session.remoting.registerProcessor(RequestCode.CONSUME_MESSAGE_DIRECTLY, async (request) => {
    const header = ConsumeMessageDirectlyResultRequestHeader.decode(request.extFields);
    const stored = firstMessage(request);
    if (!stored) return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: 'no message in the request' });
    const started = Date.now();
    let outcome: { ok: boolean; remark: string };
    try {
      const answer = await session.ask('verify_message_command', { message: storedToMessage(stored) });
      const ok = !answer.status || answer.status.code === 'OK';
      outcome = { ok, remark: ok ? 'verified by the client' : `${answer.status!.code}: ${answer.status!.message}` };
    } catch (error) {
      outcome = { ok: false, remark: (error as Error).message };
    }
    const result = {
      order: false,
      autoCommit: true,
      consumeResult: outcome.ok ? 'CR_SUCCESS' : 'CR_THROW_EXCEPTION',
      remark: `${outcome.remark} (group ${header.consumerGroup})`,
      spentTimeMills: Date.now() - started,
    };
    return createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from(encodeJavaJson(result)) });
  });

  // Rebalancing is the service's own work for v5 consumers: nothing to do when members change.
  session.remoting.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, () => null);
}
