import {
  CheckTransactionStateRequestHeader,
  createRequest,
  decodeOffsetMessageId,
  decodeStoredMessage,
  EndTransactionRequestHeader,
  MessageConst,
  MessageSysFlag,
  RequestCode,
  TransactionState,
  type RemotingCommand,
} from '@rocketnest/protocol';
import type { RemotingConnection } from '@rocketnest/remoting';
import { MQClientError } from './errors.js';
import { endTransactionTrace } from './message-trace.js';
import { messageKeys, type Message } from './message.js';
import { Producer, type ProducerOptions, type SendOptions, type SendResult } from './producer.js';
import { receivedMessage, type ReceivedMessage } from './received-message.js';

/** A local transaction's outcome: the message becomes visible, never does, or the broker asks again later. */
export type LocalTransactionState = 'COMMIT_MESSAGE' | 'ROLLBACK_MESSAGE' | 'UNKNOW';

export interface TransactionListener<Arg = unknown> {
  /** Run the local transaction the half message stands for. A throw counts as UNKNOW: the broker will ask. */
  executeLocalTransaction(
    message: Message,
    arg: Arg,
    sent: SendResult,
  ): Promise<LocalTransactionState> | LocalTransactionState;
  /** The broker asks about a half message left unknown (or whose answer was lost). */
  checkLocalTransaction(message: ReceivedMessage): Promise<LocalTransactionState> | LocalTransactionState;
}

export interface TransactionProducerOptions<Arg = unknown> extends ProducerOptions {
  transactionListener: TransactionListener<Arg>;
}

export interface TransactionSendResult extends SendResult {
  localTransactionState: LocalTransactionState;
}

const DECISION: Record<LocalTransactionState, number> = {
  COMMIT_MESSAGE: TransactionState.COMMIT,
  ROLLBACK_MESSAGE: TransactionState.ROLLBACK,
  UNKNOW: TransactionState.UNKNOWN,
};

/**
 * A transactional producer (TransactionMQProducer): sends a half message, runs the local
 * transaction, and tells the broker to commit or roll back (END_TRANSACTION, one-way); answers
 * the broker's CHECK_TRANSACTION_STATE for half messages of its group, including ones another
 * (since restarted) process of the group sent.
 */
export class TransactionProducer<Arg = unknown> extends Producer {
  private readonly listener: TransactionListener<Arg>;

  constructor(options: TransactionProducerOptions<Arg>) {
    super(options);
    this.listener = options.transactionListener;
    this.instance.remoting.registerProcessor(RequestCode.CHECK_TRANSACTION_STATE, (request, { connection }) => {
      void this.answerCheck(request, connection);
      return null;
    });
  }

  async sendMessageInTransaction(
    message: Message,
    arg?: Arg,
    options: Pick<SendOptions, 'shardingKey' | 'timeoutMs'> = {},
  ): Promise<TransactionSendResult> {
    if (message.delayLevel || message.deliverAt !== undefined) {
      throw new MQClientError('a transactional message cannot be delayed: send the delayed message once committed');
    }
    const sent = await this.sendFlagged(
      {
        ...message,
        properties: {
          ...message.properties,
          [MessageConst.TRAN_MSG]: 'true',
          [MessageConst.PGROUP]: this.options.producerGroup,
        },
      },
      MessageSysFlag.TRANSACTION_PREPARED_TYPE,
      options,
    );
    let state: LocalTransactionState;
    if (sent.status !== 'SEND_OK') state = 'ROLLBACK_MESSAGE';
    else {
      try {
        state = await this.listener.executeLocalTransaction(message, arg as Arg, sent);
      } catch {
        state = 'UNKNOW';
      }
    }
    const { storeHost, physicalOffset } = decodeOffsetMessageId(sent.offsetMsgId);
    await this.instance.remoting
      .invokeOneway(storeHost, this.endRequest(sent.queueOffset, physicalOffset, sent.msgId, state, false))
      .catch(() => undefined); // a lost decision is what check-back is for
    const traced = { topic: message.topic, msgId: sent.msgId, tags: message.tags, keys: messageKeys(message) };
    this.traces?.add(endTransactionTrace(this.options.producerGroup, traced, storeHost, state, false));
    return { ...sent, localTransactionState: state };
  }

  private endRequest(
    tranStateTableOffset: number,
    commitLogOffset: number,
    msgId: string,
    state: LocalTransactionState,
    fromTransactionCheck: boolean,
  ): RemotingCommand {
    return createRequest(RequestCode.END_TRANSACTION, {
      extFields: EndTransactionRequestHeader.encode({
        producerGroup: this.options.producerGroup,
        tranStateTableOffset,
        commitLogOffset,
        commitOrRollback: DECISION[state],
        fromTransactionCheck,
        msgId,
        transactionId: msgId,
      }),
      oneway: true,
    });
  }

  private async answerCheck(request: RemotingCommand, connection: RemotingConnection): Promise<void> {
    const header = CheckTransactionStateRequestHeader.decode(request.extFields);
    if (!request.body) return;
    const message = receivedMessage(decodeStoredMessage(request.body), '');
    let state: LocalTransactionState;
    try {
      state = await this.listener.checkLocalTransaction(message);
    } catch {
      state = 'UNKNOW';
    }
    if (state === 'UNKNOW') return;
    const traced = {
      topic: message.topic,
      msgId: header.msgId ?? message.msgId,
      tags: message.tags,
      keys: message.keys.join(' '),
    };
    this.traces?.add(endTransactionTrace(this.options.producerGroup, traced, connection.remoteAddress, state, true));
    await connection
      .invokeOneway(
        this.endRequest(
          header.tranStateTableOffset,
          header.commitLogOffset,
          header.msgId ?? message.msgId,
          state,
          true,
        ),
      )
      .catch(() => undefined);
  }
}
