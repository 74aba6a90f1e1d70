import 'reflect-metadata';

export const ROCKET_TRANSACTIONAL_HANDLER = Symbol('rocketnest:transactional-handler');

/** A local transaction's outcome: the message becomes visible, never does, or the broker asks later. */
export type TransactionOutcome = 'commit' | 'rollback' | 'unknown';

/** A transactional message as a handler sees it: its payload decoded, and where it goes. */
export interface TransactionMessage {
  topic: string;
  tags: string | undefined;
  /** The message id (UNIQ_KEY): the same in execute and in every check. */
  msgId: string;
  payload: unknown;
  properties: Record<string, string>;
}

/** What a @TransactionalHandler class implements. */
export interface RocketTransactionHandler<Arg = unknown> {
  /** Run the local transaction the message stands for; throwing means rollback. */
  execute(message: TransactionMessage, arg: Arg): Promise<TransactionOutcome> | TransactionOutcome;
  /** The broker asks about a message whose outcome was unknown or lost; throwing means "unknown, ask again". */
  check(message: TransactionMessage): Promise<TransactionOutcome> | TransactionOutcome;
}

export interface TransactionalHandlerOptions {
  /** Messages of this topic (default: any), and of this tag (default: any). */
  topic?: string;
  tag?: string;
  /** The producer group its messages are sent and checked in (default: "<module group>-tx"). */
  producerGroup?: string;
}

/**
 * The class that runs and checks local transactions for transactional messages
 * (MessageProducer.sendInTransaction). Several handlers are told apart by topic and tag, the
 * most specific first.
 */
export function TransactionalHandler(options: TransactionalHandlerOptions = {}): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(ROCKET_TRANSACTIONAL_HANDLER, options, target);
  };
}
