import {
  createResponse,
  decodeBatchBody,
  MessageConst,
  MessageSysFlag,
  Perm,
  propertyValue,
  withDefaultProperty,
  RequestCode,
  RETRY_GROUP_TOPIC_PREFIX,
  transactionType,
  ResponseCode,
  decodeSendMessageHeader,
  SendMessageResponseHeader,
  type MessageToStore,
  type RemotingCommand,
  type TopicConfig,
} from '@rocketnest/protocol';
import type { RequestContext } from '@rocketnest/remoting';
import type { PutMessageResult } from '@rocketnest/store';
import type { BrokerContext } from '../broker-context.js';
import { GroupNotFoundError, routeRetry } from '../retry-and-dlq.js';
import { holdUntilDue, IllegalMessageError } from '../schedule/held-message.js';
import { NOT_ALLOWED_SEND_TOPICS } from '../topic-config-manager.js';
import { halfMessage } from '../transaction/half-message.js';
import { refusedOnSlave } from './slave-refusal.js';

/**
 * SEND_MESSAGE (10), SEND_MESSAGE_V2 (310) and SEND_BATCH_MESSAGE (320): check the topic
 * (creating it from its template when allowed), pick the queue, and append to the store.
 *
 * Not an async function: one that awaits keeps its locals in a frame allocated per call, which
 * would be allocated on every send.
 */
export function sendMessage(broker: BrokerContext) {
  return (request: RemotingCommand, { connection }: RequestContext): RemotingCommand | Promise<RemotingCommand> => {
    const slave = refusedOnSlave(broker, request);
    if (slave) return slave;
    // The header's decode has checked the topic and group names.
    const header = decodeSendMessageHeader(request.code, request.extFields);
    const refuse = (code: number, remark: string) => createResponse(request, code, { remark });
    if ((broker.config.brokerPermission & Perm.WRITE) === 0) {
      return refuse(ResponseCode.NO_PERMISSION, `the broker[${broker.config.brokerName}] sending message is forbidden`);
    }
    const known = broker.topics.get(header.topic);
    if (NOT_ALLOWED_SEND_TOPICS.has(header.topic)) {
      return refuse(
        ResponseCode.NO_PERMISSION,
        `sending message to topic[${header.topic}] is forbidden: it is a system topic`,
      );
    }
    const topic = known ?? createTopic(broker, header.topic, header.defaultTopic, header.defaultTopicQueueNums);
    if (!topic) {
      return refuse(
        ResponseCode.TOPIC_NOT_EXIST,
        `topic[${header.topic}] not exist, apply first please! Create it with updateTopic, or set autoCreateTopicEnable=true on the broker`,
      );
    }
    if ((topic.perm & Perm.WRITE) === 0) {
      return refuse(ResponseCode.NO_PERMISSION, `the topic[${header.topic}] sending message is forbidden`);
    }
    const queueNums = Math.max(topic.writeQueueNums, topic.readQueueNums);
    if (header.queueId >= queueNums) {
      return refuse(
        ResponseCode.SYSTEM_ERROR,
        `request queueId[${header.queueId}] is illegal, topic[${header.topic}] has ${queueNums} queues`,
      );
    }
    let queueId = header.queueId < 0 ? Math.floor(Math.random() * topic.writeQueueNums) : header.queueId;
    let sysFlag = header.sysFlag;
    if (topic.topicFilterType === 'MULTI_TAG') sysFlag |= MessageSysFlag.MULTI_TAGS_FLAG;
    const reconsumeTimes = header.reconsumeTimes ?? 0;
    const bornHost = connection.remoteAddress;
    const message = (flag: number, body: Buffer, properties: string): MessageToStore => ({
      topic: header.topic,
      queueId,
      flag,
      body,
      properties: withDefaultProperty(properties, MessageConst.CLUSTER, broker.config.brokerClusterName),
      sysFlag,
      bornTimestamp: header.bornTimestamp,
      bornHost,
      storeHost: broker.storeHost,
      reconsumeTimes,
      preparedTransactionOffset: 0,
    });
    const body = request.body ?? Buffer.alloc(0);
    let messages: MessageToStore[];
    if (request.code === RequestCode.SEND_BATCH_MESSAGE || header.batch) {
      if (propertyValue(header.properties ?? '', MessageConst.DELAY)) {
        return refuse(
          ResponseCode.MESSAGE_ILLEGAL,
          'a batch cannot have a delay level: send delayed messages one by one',
        );
      }
      messages = decodeBatchBody(body).map((entry) => message(entry.flag, entry.body, entry.properties));
    } else {
      let single = message(header.flag, body, header.properties ?? '');
      try {
        const routed = routeRetry(broker, single, header.maxReconsumeTimes);
        // A dead letter answers with its DLQ queue; held messages with the queue they will reach.
        if (routed !== single) queueId = routed.queueId;
        single = routed;
        if (propertyValue(single.properties, MessageConst.TRAN_MSG) === 'true') {
          if (broker.config.rejectTransactionMessage) {
            return refuse(
              ResponseCode.NO_PERMISSION,
              `the broker[${broker.config.brokerName}] refuses transactional messages`,
            );
          }
          if (transactionType(single.sysFlag) === MessageSysFlag.TRANSACTION_PREPARED_TYPE)
            single = halfMessage(single);
        } else {
          single = holdUntilDue(single, broker.schedule.levelCount, Date.now(), broker.storeConfig.timerWheelEnable);
        }
      } catch (error) {
        if (error instanceof GroupNotFoundError)
          return refuse(ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, error.message);
        if (error instanceof IllegalMessageError) return refuse(ResponseCode.MESSAGE_ILLEGAL, error.message);
        throw error;
      }
      messages = [single];
    }
    const started = broker.stats.onLatency && performance.now();
    const put = messages.length === 1 ? broker.store.putMessage(messages[0]!) : broker.store.putMessages(messages);
    const waits =
      broker.config.brokerRole === 'SYNC_MASTER' &&
      propertyValue(messages[0]!.properties, MessageConst.WAIT) !== 'false';
    const answered = waits ? put.then((result) => replicated(broker, result)) : put;
    return answered.then((result) => {
      if (result.status === 'PUT_OK')
        broker.stats.recordPut(header.topic, result.appendResult!.msgNum, request.body?.length ?? 0);
      if (started) broker.stats.onLatency?.('send', (performance.now() - started) / 1000);
      return sendResponse(request, broker, queueId, result);
    });
  };
}

/** A new topic's config, created from the producer's template topic or as a retry topic when allowed. */
function createTopic(
  broker: BrokerContext,
  topic: string,
  template: string,
  queueNums: number,
): TopicConfig | undefined {
  const created = broker.topics.createFromTemplate(topic, template, queueNums);
  if (created) return created;
  if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) return broker.topics.createSystemTopic(topic, 1);
  return undefined;
}

/**
 * SYNC_MASTER: a stored message is answered once a slave has it too; SLAVE_NOT_AVAILABLE when no
 * slave can have it, FLUSH_SLAVE_TIMEOUT when none did in slaveTimeout. The message is stored
 * either way, and a flush timeout, when there was one, is what the answer says.
 */
async function replicated(broker: BrokerContext, result: PutMessageResult): Promise<PutMessageResult> {
  const stored = result.appendResult;
  if (!stored || (result.status !== 'PUT_OK' && result.status !== 'FLUSH_DISK_TIMEOUT')) return result;
  const ack = await broker.waitForSlave(stored.wroteOffset + stored.wroteBytes);
  if (ack === 'ACKED' || result.status !== 'PUT_OK') return result;
  return ack === 'TIMEOUT'
    ? {
        ...result,
        status: 'FLUSH_SLAVE_TIMEOUT',
        error: `no slave had the message within slaveTimeout ${broker.config.slaveTimeout} ms; it is stored on the master`,
      }
    : {
        ...result,
        status: 'SLAVE_NOT_AVAILABLE',
        error: 'no slave is connected, or none is near enough to the master; the message is stored on the master',
      };
}

function sendResponse(
  request: RemotingCommand,
  broker: BrokerContext,
  queueId: number,
  result: PutMessageResult,
): RemotingCommand {
  const stored = result.appendResult;
  const extFields = stored
    ? SendMessageResponseHeader.encode({
        msgId: stored.msgId,
        queueId,
        queueOffset: stored.queueOffset,
        MSG_REGION: broker.config.regionId,
        TRACE_ON: String(broker.config.traceOn),
      })
    : undefined;
  switch (result.status) {
    case 'PUT_OK':
      return createResponse(request, ResponseCode.SUCCESS, { extFields });
    case 'FLUSH_DISK_TIMEOUT':
      return createResponse(request, ResponseCode.FLUSH_DISK_TIMEOUT, { extFields, remark: result.error });
    case 'FLUSH_SLAVE_TIMEOUT':
      return createResponse(request, ResponseCode.FLUSH_SLAVE_TIMEOUT, { extFields, remark: result.error });
    case 'SLAVE_NOT_AVAILABLE':
      return createResponse(request, ResponseCode.SLAVE_NOT_AVAILABLE, { extFields, remark: result.error });
    case 'OS_PAGECACHE_BUSY':
      // The Java client treats SYSTEM_BUSY as "retry elsewhere or later".
      return createResponse(request, ResponseCode.SYSTEM_BUSY, { remark: result.error });
    case 'SERVICE_NOT_AVAILABLE':
      return createResponse(request, ResponseCode.SERVICE_NOT_AVAILABLE, { remark: result.error });
    case 'MESSAGE_ILLEGAL':
    case 'PROPERTIES_SIZE_EXCEEDED':
      return createResponse(request, ResponseCode.MESSAGE_ILLEGAL, { remark: result.error });
    default:
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: result.error ?? 'the store could not append',
      });
  }
}
