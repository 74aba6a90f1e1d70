import { MessageConst, MessageSysFlag, SystemTopic, withProperties, type MessageToStore } from '@rocketnest/protocol';

/**
 * A prepared transactional message as it is stored (TransactionalMessageBridge.parseHalfMessageInner):
 * in the half topic's one queue, invisible to consumers, remembering its real topic and queue,
 * with its transaction bits reset so the half queue indexes it.
 */
export function halfMessage(message: MessageToStore): MessageToStore {
  return {
    ...message,
    topic: SystemTopic.TRANS_HALF,
    queueId: 0,
    sysFlag: message.sysFlag & ~MessageSysFlag.TRANSACTION_ROLLBACK_TYPE,
    properties: withProperties(message.properties, {
      [MessageConst.REAL_TOPIC]: message.topic,
      [MessageConst.REAL_QID]: String(message.queueId),
    }),
  };
}
