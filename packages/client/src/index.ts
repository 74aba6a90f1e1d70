// What users of the client need: the producers, the consumers, the admin, and the types their
// options, messages and results are made of. The parts they are built from stay inside.
export { Admin, type BrokerMember, type QueueProgress, type QueueStats, type TopicOptions } from './admin.js';
export {
  allocateAveragely,
  allocateAveragelyByCircle,
  allocateByConfig,
  allocateByMachineRoom,
  allocateConsistentHash,
  type AllocateStrategy,
} from './allocate.js';
export type { ClientOptions } from './client-instance.js';
export type { AclCredentials } from '@rocketnest/protocol';
export type { ConsumeContext, ConsumeResult, MessageListener } from './consume-message-service.js';
export { type ConsumeFromWhere, type ConsumerOptions } from './consumer-base.js';
export { MessageSelector } from './message-selector.js';
export { MQBrokerError, MQClientError } from './errors.js';
export type { DeliverAtFallback } from './delivery-times.js';
export { LitePullConsumer, type LitePullConsumerOptions } from './lite-pull-consumer.js';
export type { Message } from './message.js';
export type { TraceOptions, TraceStep } from './message-trace.js';
export { Producer, type ProducerOptions, type SendOptions, type SendResult, type SendStatus } from './producer.js';
export { PushConsumer, type PushConsumerOptions } from './push-consumer.js';
export type { ReceivedMessage } from './received-message.js';
export type { MessageQueue } from './topic-route.js';
export {
  TransactionProducer,
  type LocalTransactionState,
  type TransactionListener,
  type TransactionProducerOptions,
  type TransactionSendResult,
} from './transaction-producer.js';
