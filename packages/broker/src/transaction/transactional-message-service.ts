import {
  CheckTransactionStateRequestHeader,
  createOffsetMessageId,
  createRequest,
  decodeStoredMessage,
  decodeStoredMessages,
  MessageConst,
  MessageSysFlag,
  propertyValue,
  RequestCode,
  SystemTopic,
  TRANS_CHECK_GROUP,
  TransactionState,
  withProperties,
  storedMessageLength,
  writeStoredMessage,
  type MessageToStore,
  type StoredMessage,
} from '@rocketnest/protocol';
import type { BrokerContext } from '../broker-context.js';
import { holdUntilDue, releaseHeld } from '../schedule/held-message.js';

/** Why END_TRANSACTION could not be applied: its remark, as RocketMQ words it. */
export class EndTransactionError extends Error {}

export type EndOutcome = 'COMMITTED' | 'ROLLED_BACK' | 'ALREADY_DECIDED';

/** The tag of op messages that mark a half message decided (TransactionalMessageUtil.REMOVETAG). */
const REMOVE_TAG = 'd';

/**
 * Transactional messages on the broker (TransactionalMessageServiceImpl with its bridge and
 * check service). Half messages wait in RMQ_SYS_TRANS_HALF_TOPIC; a decision writes an op
 * message (tag d, body = the half's queue offset; KEYS = its UNIQ_KEY so a decision can be found
 * by message id, which RocketMQ cannot: a late second answer never commits twice). Every
 * transactionCheckInterval the half queue is walked from the check group's offset: decided
 * halves are skipped, ones older than transactionTimeOut are re-appended with their check count
 * raised and the producer group asked (CHECK_TRANSACTION_STATE); after transactionCheckMax
 * checks a half is given up into TRANS_CHECK_MAX_TIME_TOPIC. All state is in the two topics and
 * the check group's offsets, so it survives restarts.
 */
export class TransactionalMessageService {
  private checking: Promise<void> | undefined;

  constructor(private readonly broker: BrokerContext) {}

  /** Apply a producer's END_TRANSACTION decision on the half message at commitLogOffset. */
  async end(header: {
    producerGroup: string;
    tranStateTableOffset: number;
    commitLogOffset: number;
    commitOrRollback: number;
  }): Promise<EndOutcome> {
    const bytes = this.broker.store.lookMessageByOffset(header.commitLogOffset);
    if (!bytes) throw new EndTransactionError('Find prepared transaction message failed');
    const half = decodeStoredMessage(bytes);
    if (half.topic !== SystemTopic.TRANS_HALF)
      throw new EndTransactionError('Find prepared transaction message failed');
    if (propertyValue(half.properties, MessageConst.PGROUP) !== header.producerGroup) {
      throw new EndTransactionError('The producer group wrong');
    }
    if (half.queueOffset !== header.tranStateTableOffset) {
      throw new EndTransactionError('The transaction state table offset wrong');
    }
    if (half.physicalOffset !== header.commitLogOffset) throw new EndTransactionError('The commit log offset wrong');
    if (this.decided(half)) return 'ALREADY_DECIDED';
    if (header.commitOrRollback === TransactionState.COMMIT) {
      const real = releaseHeld(half, {
        [MessageConst.REAL_TOPIC]: undefined,
        [MessageConst.REAL_QID]: undefined,
        [MessageConst.TRAN_MSG]: undefined,
        [MessageConst.TRANSACTION_CHECK_TIMES]: undefined,
      });
      const committed: MessageToStore = {
        ...real,
        sysFlag: (half.sysFlag & ~MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) | MessageSysFlag.TRANSACTION_COMMIT_TYPE,
        preparedTransactionOffset: half.physicalOffset,
      };
      const result = await this.broker.store.putMessage(
        holdUntilDue(committed, this.broker.schedule.levelCount, Date.now(), this.broker.storeConfig.timerWheelEnable),
      );
      if (result.status !== 'PUT_OK' && result.status !== 'FLUSH_DISK_TIMEOUT') {
        throw new EndTransactionError(`storing the committed message failed: ${result.error ?? result.status}`);
      }
    }
    await this.markDecided(half);
    return header.commitOrRollback === TransactionState.COMMIT ? 'COMMITTED' : 'ROLLED_BACK';
  }

  /** Whether an op message already decided this half message (or an earlier copy of it). */
  private decided(half: StoredMessage): boolean {
    const id = propertyValue(half.properties, MessageConst.UNIQ_KEY);
    if (!id) return false;
    // The index matches by hash: an op counts only if it really names this message.
    const found = this.broker.store.queryMessage(SystemTopic.TRANS_OP_HALF, id, 32, 0, Date.now());
    return found.messages.some((op) => propertyValue(decodeStoredMessage(op).properties, MessageConst.KEYS) === id);
  }

  private async markDecided(half: StoredMessage): Promise<void> {
    const id = propertyValue(half.properties, MessageConst.UNIQ_KEY);
    const properties: Record<string, string> = { [MessageConst.TAGS]: REMOVE_TAG, [MessageConst.WAIT]: 'false' };
    if (id) properties[MessageConst.KEYS] = id;
    const result = await this.broker.store.putMessage({
      topic: SystemTopic.TRANS_OP_HALF,
      queueId: 0,
      flag: 0,
      body: Buffer.from(String(half.queueOffset)),
      properties: withProperties('', properties),
      sysFlag: 0,
      bornTimestamp: Date.now(),
      bornHost: this.broker.storeHost,
      storeHost: this.broker.storeHost,
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
    });
    if (result.status !== 'PUT_OK' && result.status !== 'FLUSH_DISK_TIMEOUT') {
      throw new EndTransactionError(`recording the decision failed: ${result.error ?? result.status}`);
    }
  }

  /** One check round; a round still running is not started twice. */
  check(): Promise<void> {
    this.checking ??= this.checkRound().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async checkRound(): Promise<void> {
    const { store, offsets, config } = this.broker;
    const roundStart = Date.now();
    const halfMax = store.getMaxOffsetInQueue(SystemTopic.TRANS_HALF, 0);
    let halfOffset = Math.max(
      offsets.query(TRANS_CHECK_GROUP, SystemTopic.TRANS_HALF, 0),
      store.getMinOffsetInQueue(SystemTopic.TRANS_HALF, 0),
    );
    // The op queue is read once a round: which halves are decided, and how far it can be let go.
    const ops = this.readOps();
    const decided = new Set(ops.map((op) => op.halfOffset).filter((offset) => offset >= halfOffset));
    while (halfOffset < halfMax) {
      const result = store.getMessage(SystemTopic.TRANS_HALF, 0, halfOffset, 32);
      if (result.status !== 'FOUND') {
        if (result.nextBeginOffset <= halfOffset) break;
        halfOffset = result.nextBeginOffset;
        continue;
      }
      let stop = false;
      for (const half of decodeStoredMessages(result.body)) {
        if (!decided.has(half.queueOffset) && !this.decided(half)) {
          if (half.storeTimestamp >= roundStart) {
            stop = true;
            break;
          }
          const checks = Number(propertyValue(half.properties, MessageConst.TRANSACTION_CHECK_TIMES) ?? 0);
          if (checks >= config.transactionCheckMax) {
            await this.giveUp(half);
          } else {
            const immunitySeconds = Number(propertyValue(half.properties, MessageConst.CHECK_IMMUNITY_TIME_IN_SECONDS));
            const immunity = Math.max(
              config.transactionTimeOut,
              Number.isFinite(immunitySeconds) ? immunitySeconds * 1000 : 0,
            );
            if (Date.now() - half.bornTimestamp < immunity) {
              stop = true;
              break;
            }
            await this.askProducer(half, checks + 1);
          }
        }
        halfOffset = half.queueOffset + 1;
      }
      if (stop) break;
    }
    offsets.commit(TRANS_CHECK_GROUP, SystemTopic.TRANS_HALF, 0, halfOffset);
    // Op messages for halves below halfOffset are never read again.
    const firstNeeded = ops.find((op) => op.halfOffset >= halfOffset);
    const opOffset = firstNeeded
      ? firstNeeded.queueOffset
      : ops.length > 0
        ? ops.at(-1)!.queueOffset + 1
        : this.opOffset();
    offsets.commit(TRANS_CHECK_GROUP, SystemTopic.TRANS_OP_HALF, 0, opOffset);
  }

  private opOffset(): number {
    return Math.max(this.broker.offsets.query(TRANS_CHECK_GROUP, SystemTopic.TRANS_OP_HALF, 0), 0);
  }

  /** The op messages from the check group's op offset on: where each is, and the half offset it decides. */
  private readOps(): { queueOffset: number; halfOffset: number }[] {
    const ops: { queueOffset: number; halfOffset: number }[] = [];
    for (let offset = this.opOffset(); ;) {
      const result = this.broker.store.getMessage(SystemTopic.TRANS_OP_HALF, 0, offset, 256);
      if (result.status !== 'FOUND') return ops;
      for (const op of decodeStoredMessages(result.body)) {
        ops.push({ queueOffset: op.queueOffset, halfOffset: Number(op.body.toString()) });
      }
      offset = result.nextBeginOffset;
    }
  }

  /** Re-append the half with its check count raised, then ask one live producer of its group about it. */
  private async askProducer(half: StoredMessage, checks: number): Promise<void> {
    const copy: MessageToStore = {
      ...half,
      properties: withProperties(half.properties, { [MessageConst.TRANSACTION_CHECK_TIMES]: String(checks) }),
    };
    const result = await this.broker.store.putMessage(copy);
    const stored = result.appendResult;
    if (!stored) {
      this.broker.logger.warn(`transaction check: re-appending half message failed: ${result.error ?? result.status}`);
      return;
    }
    const group = propertyValue(half.properties, MessageConst.PGROUP) ?? '';
    const [channel] = this.broker.producers.channels(group);
    const id = propertyValue(half.properties, MessageConst.UNIQ_KEY);
    if (!channel) {
      this.broker.logger.warn(`transaction check of ${id}: no producer of group ${group} is connected`);
      return;
    }
    const realTopic = propertyValue(half.properties, MessageConst.REAL_TOPIC) ?? half.topic;
    const view: MessageToStore = {
      ...copy,
      topic: realTopic,
      queueId: Number(propertyValue(half.properties, MessageConst.REAL_QID) ?? 0),
    };
    const body = Buffer.alloc(storedMessageLength(view));
    writeStoredMessage(
      view,
      { queueOffset: stored.queueOffset, physicalOffset: stored.wroteOffset, storeTimestamp: stored.storeTimestamp },
      body,
      0,
    );
    const request = createRequest(RequestCode.CHECK_TRANSACTION_STATE, {
      extFields: CheckTransactionStateRequestHeader.encode({
        tranStateTableOffset: stored.queueOffset,
        commitLogOffset: stored.wroteOffset,
        msgId: id,
        transactionId: id,
        offsetMsgId: createOffsetMessageId(this.broker.storeHost, stored.wroteOffset),
        topic: realTopic,
      }),
      body,
      oneway: true,
    });
    await channel.connection.invokeOneway(request).catch(() => undefined);
  }

  private async giveUp(half: StoredMessage): Promise<void> {
    const id = propertyValue(half.properties, MessageConst.UNIQ_KEY);
    this.broker.logger.warn(
      `transaction ${id} of group ${propertyValue(half.properties, MessageConst.PGROUP)} stayed unknown after ${this.broker.config.transactionCheckMax} checks: discarded to ${SystemTopic.TRANS_CHECK_MAX_TIME}`,
    );
    await this.broker.store.putMessage({ ...half, topic: SystemTopic.TRANS_CHECK_MAX_TIME, queueId: 0 });
    await this.markDecided(half);
  }
}
