import { silentLogger } from '@rocketnest/common';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { TransactionProducer, type LocalTransactionState, type TransactionListener } from '@rocketnest/client';
import type { BrokerController } from '@rocketnest/broker';
import { decodeStoredMessages, propertyValue, type StoredMessage } from '@rocketnest/protocol';
import { eventually, startBroker, startNamesrv, temporaryDir } from './support/cluster.js';

const child = fileURLToPath(new URL('./crash/transaction-child.js', import.meta.url));
/** Checks every 200 ms of halves older than 300 ms, at most three times. */
const FAST_CHECKS = { transactionCheckInterval: 200, transactionTimeOut: 300, transactionCheckMax: 3 };

function records(broker: BrokerController, topic: string): StoredMessage[] {
  const found: StoredMessage[] = [];
  for (let queueId = 0; queueId < 8; queueId++) {
    for (let offset = 0; ;) {
      const result = broker.store.getMessage(topic, queueId, offset, 64);
      if (result.status !== 'FOUND') break;
      found.push(...decodeStoredMessages(result.body));
      offset = result.nextBeginOffset;
    }
  }
  return found;
}

const bodies = (broker: BrokerController, topic: string) => records(broker, topic).map((r) => r.body.toString());

async function transactionProducer(
  namesrvAddr: string,
  group: string,
  listener: TransactionListener<string>,
): Promise<TransactionProducer<string>> {
  const created = new TransactionProducer<string>({
    namesrvAddr,
    producerGroup: group,
    logger: silentLogger,
    transactionListener: listener,
  });
  await created.start();
  after(() => created.shutdown());
  return created;
}

describe('transactional messages', () => {
  it('shows a committed message, never a rolled back one, and keeps half messages from consumers', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address });
    let release: () => void = () => {};
    const executing = new Promise<void>((resolve) => (release = resolve));
    const producer = await transactionProducer(namesrv.address, 'orders-tx', {
      executeLocalTransaction: async (message, outcome) => {
        if (message.body === 'slow') await executing;
        return outcome as LocalTransactionState;
      },
      checkLocalTransaction: () => 'UNKNOW',
    });
    const committed = await producer.sendMessageInTransaction({ topic: 'Orders', body: 'paid' }, 'COMMIT_MESSAGE');
    assert.equal(committed.localTransactionState, 'COMMIT_MESSAGE');
    await producer.sendMessageInTransaction({ topic: 'Orders', body: 'cancelled' }, 'ROLLBACK_MESSAGE');
    const slow = producer.sendMessageInTransaction({ topic: 'Orders', body: 'slow' }, 'COMMIT_MESSAGE');
    await eventually(() => bodies(broker, 'RMQ_SYS_TRANS_HALF_TOPIC').includes('slow'), 'the slow half message');
    await eventually(() => bodies(broker, 'Orders').includes('paid'), 'the committed message');
    assert.ok(!bodies(broker, 'Orders').includes('slow'), 'a half message is invisible until committed');
    release();
    await slow;
    await eventually(() => bodies(broker, 'Orders').includes('slow'), 'the slow message once committed');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(bodies(broker, 'Orders').sort(), ['paid', 'slow']);
    const [paid] = records(broker, 'Orders').filter((r) => r.body.toString() === 'paid');
    assert.equal(propertyValue(paid!.properties, 'UNIQ_KEY'), committed.msgId);
    assert.equal(propertyValue(paid!.properties, 'TRAN_MSG'), undefined);
    assert.equal(propertyValue(paid!.properties, 'REAL_TOPIC'), undefined);
  });

  it('asks the producer group about an unknown outcome and applies its answer, once', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address, ...FAST_CHECKS });
    const asked: string[] = [];
    const producer = await transactionProducer(namesrv.address, 'unsure-tx', {
      executeLocalTransaction: () => {
        throw new Error('the database did not answer');
      },
      checkLocalTransaction: (message) => {
        asked.push(message.body.toString());
        assert.equal(message.topic, 'Invoices');
        return message.body.toString() === 'keep' ? 'COMMIT_MESSAGE' : 'ROLLBACK_MESSAGE';
      },
    });
    const kept = await producer.sendMessageInTransaction({ topic: 'Invoices', body: 'keep' });
    assert.equal(kept.localTransactionState, 'UNKNOW');
    await producer.sendMessageInTransaction({ topic: 'Invoices', body: 'drop' });
    await eventually(() => bodies(broker, 'Invoices').includes('keep'), 'the message committed by check-back', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.deepEqual(bodies(broker, 'Invoices'), ['keep']);
    assert.deepEqual(asked.sort(), ['drop', 'keep'], 'each asked about once');
  });

  it('gives up after transactionCheckMax checks without an answer', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address, ...FAST_CHECKS });
    let checks = 0;
    const producer = await transactionProducer(namesrv.address, 'silent-tx', {
      executeLocalTransaction: () => 'UNKNOW',
      checkLocalTransaction: () => {
        checks++;
        return 'UNKNOW';
      },
    });
    await producer.sendMessageInTransaction({ topic: 'Limbo', body: 'forever unknown' });
    await eventually(
      () => bodies(broker, 'TRANS_CHECK_MAX_TIME_TOPIC').includes('forever unknown'),
      'the discarded half message',
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal(checks, 3);
    assert.deepEqual(bodies(broker, 'Limbo'), []);
  });

  it('resolves a half message after its producer process died, through a restarted producer and a restarted broker', async () => {
    const namesrv = await startNamesrv();
    const storePathRootDir = temporaryDir();
    let broker = await startBroker(
      { namesrvAddr: namesrv.address, ...FAST_CHECKS, transactionTimeOut: 1500 },
      {
        storePathRootDir,
      },
    );
    const dying = spawn(process.execPath, [child, namesrv.address, 'Shipments', 'shipping-tx', 'parcel-1'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    dying.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(() => /sent (\w+)/.exec(output), 'the half message from the child', 15_000);
    dying.kill('SIGKILL');
    await new Promise((resolve) => dying.once('exit', resolve));
    // The broker restarts while the transaction is open: the half message and its state survive.
    const port = broker.port;
    await broker.shutdown();
    broker = await startBroker(
      { namesrvAddr: namesrv.address, listenPort: port, ...FAST_CHECKS, transactionTimeOut: 1500 },
      { storePathRootDir },
    );
    assert.deepEqual(bodies(broker, 'Shipments'), []);
    const asked: string[] = [];
    await transactionProducer(namesrv.address, 'shipping-tx', {
      executeLocalTransaction: () => 'UNKNOW',
      checkLocalTransaction: (message) => {
        asked.push(message.body.toString());
        return 'COMMIT_MESSAGE';
      },
    });
    await eventually(() => bodies(broker, 'Shipments').includes('parcel-1'), 'the commit by the new producer', 15_000);
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.deepEqual(bodies(broker, 'Shipments'), ['parcel-1']);
    assert.deepEqual(asked, ['parcel-1']);
  });
});
