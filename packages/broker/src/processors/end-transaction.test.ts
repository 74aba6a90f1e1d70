import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createRequest,
  decodeOffsetMessageId,
  decodeStoredMessages,
  MessageSysFlag,
  RequestCode,
  ResponseCode,
  TransactionState,
} from '@rocketnest/protocol';
import { RemotingTimeoutError } from '@rocketnest/remoting';
import { startTestBroker } from './broker.test-support.js';

type Broker = Awaited<ReturnType<typeof startTestBroker>>;

/** Send a half message and give back what END_TRANSACTION names it by. */
async function half({ send, createTopic }: Broker) {
  await createTopic('Orders');
  const response = await send('Orders', 'order 1', {
    // A client's unique id (UNIQ_KEY) is what a second decision on the same half is found by.
    properties: { TRAN_MSG: 'true', PGROUP: 'Shop', UNIQ_KEY: '7F0000010001000000000000000000AB' },
    sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE,
  });
  assert.equal(response.code, ResponseCode.SUCCESS);
  return {
    producerGroup: 'Shop',
    tranStateTableOffset: response.extFields['queueOffset']!,
    commitLogOffset: String(decodeOffsetMessageId(response.extFields['msgId']!).physicalOffset),
    msgId: response.extFields['msgId']!,
  };
}

const orders = (broker: Broker) =>
  decodeStoredMessages(broker.broker.store.getMessage('Orders', 0, 0, 10).body).map((m) => m.body.toString());

describe('END_TRANSACTION', () => {
  it('commits a half message into its topic once; a rollback keeps it from consumers', async () => {
    const broker = await startTestBroker();
    const fields = await half(broker);
    assert.deepEqual(orders(broker), []);
    const commit = { ...fields, commitOrRollback: String(TransactionState.COMMIT) };
    assert.equal((await broker.call(RequestCode.END_TRANSACTION, commit)).code, ResponseCode.SUCCESS);
    assert.equal((await broker.call(RequestCode.END_TRANSACTION, commit)).code, ResponseCode.SUCCESS);
    assert.deepEqual(orders(broker), ['order 1']);

    const other = await startTestBroker();
    const rolledBack = { ...(await half(other)), commitOrRollback: String(TransactionState.ROLLBACK) };
    assert.equal((await other.call(RequestCode.END_TRANSACTION, rolledBack)).code, ResponseCode.SUCCESS);
    assert.deepEqual(orders(other), []);
  });

  it('does not answer an unknown outcome: the broker checks back later', async () => {
    const broker = await startTestBroker();
    const unknown = { ...(await half(broker)), commitOrRollback: String(TransactionState.UNKNOWN) };
    const request = createRequest(RequestCode.END_TRANSACTION, { extFields: unknown });
    await assert.rejects(
      broker.client.invoke(broker.broker.brokerAddr, request, { timeoutMs: 300 }),
      RemotingTimeoutError,
    );
  });

  it('refuses a bad outcome, a wrong producer group, offsets that name no half message, and slaves', async () => {
    const broker = await startTestBroker();
    const fields = await half(broker);
    const end = (extra: Record<string, string>) =>
      broker.call(RequestCode.END_TRANSACTION, { ...fields, commitOrRollback: '8', ...extra });
    const bad = await end({ commitOrRollback: '5' });
    assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(bad.remark, 'commitOrRollback must be 0, 8 or 12, got 5');
    assert.equal((await end({ producerGroup: 'Other' })).remark, 'The producer group wrong');
    assert.equal((await end({ tranStateTableOffset: '7' })).remark, 'The transaction state table offset wrong');
    assert.equal((await end({ commitLogOffset: '99999' })).remark, 'Find prepared transaction message failed');
    assert.deepEqual(orders(broker), []);

    const slave = await startTestBroker({ brokerRole: 'SLAVE', brokerId: 1 });
    const refused = await slave.call(RequestCode.END_TRANSACTION, { ...fields, commitOrRollback: '8' });
    assert.equal(refused.code, ResponseCode.SLAVE_NOT_AVAILABLE);
  });
});
