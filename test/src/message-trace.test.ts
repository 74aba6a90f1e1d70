import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { Admin, TransactionProducer } from '@rocketnest/client';
import { silentLogger } from '@rocketnest/common';
import { eventually, startBroker, startNamesrv } from './support/cluster.js';
import { rocketnestArgs } from './support/cli.js';
import { startProducer, testConsumer } from './support/clients.js';

describe('message traces (enableMsgTrace)', () => {
  it("records a message's send and each group's consumption in RMQ_SYS_TRACE_TOPIC, found by its id", async () => {
    const namesrv = await startNamesrv();
    await startBroker({ namesrvAddr: namesrv.address });
    const producer = await startProducer(namesrv.address, 'billing-producer', { enableMsgTrace: true });
    const sent = await producer.send({ topic: 'Invoices', body: '{"invoice":1}', tags: 'Issued', keys: ['inv-1'] });
    const untraced = await (
      await startProducer(namesrv.address, 'quiet-producer')
    ).send({ topic: 'Invoices', body: 'x' });
    let failures = 0;
    for (const [group, fail] of [
      ['mailer', false],
      ['ledger', true],
    ] as const) {
      await testConsumer({
        namesrvAddr: namesrv.address,
        consumerGroup: group,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        enableMsgTrace: true,
      })
        .subscribe('Invoices')
        .onMessage((messages) => {
          // The ledger fails the first try, which its trace shows.
          if (fail && messages.some((m) => m.msgId === sent.msgId) && failures++ === 0) throw new Error('ledger down');
        })
        .start();
    }
    const admin = new Admin({ namesrvAddr: namesrv.address, logger: silentLogger });
    try {
      const steps = await eventually(async () => {
        const trace = await admin.messageTrace(sent.msgId);
        // The send, and per group a SubBefore and a SubAfter; the ledger twice.
        return trace.length >= 7 ? trace : undefined;
      }, 'the trace of the send and of both groups');
      const pub = steps.find((s) => s.type === 'Pub')!;
      assert.deepEqual(
        [pub.groupName, pub.bean.topic, pub.bean.tags, pub.bean.keys, pub.bean.offsetMsgId, pub.success],
        ['billing-producer', 'Invoices', 'Issued', 'inv-1', sent.offsetMsgId, true],
      );
      assert.ok(pub.bean.bodyLength === 13 && pub.bean.storeHost.length > 0);
      const after = (group: string) => steps.filter((s) => s.type === 'SubAfter' && s.groupName === group);
      assert.deepEqual(
        after('mailer').map((s) => [s.success, s.contextCode]),
        [[true, 0]],
      );
      assert.deepEqual(
        after('ledger').map((s) => [s.success, s.contextCode]),
        [
          [false, 2],
          [true, 0],
        ],
      );
      const retried = steps
        .filter((s) => s.type === 'SubBefore' && s.groupName === 'ledger')
        .map((s) => s.bean.retryTimes);
      assert.deepEqual(retried, [0, 1]);
      // rocketnest admin prints the same steps.
      const printed = await new Promise<string>((resolve) =>
        execFile(
          process.execPath,
          rocketnestArgs('admin', 'queryMsgTraceById', '-i', sent.msgId, '-n', namesrv.address, '--json'),
          (_e, out) => resolve(out),
        ),
      );
      const rows = JSON.parse(printed) as { type: string; group: string; status: string }[];
      assert.deepEqual([rows[0]!.type, rows[0]!.group, rows[0]!.status], ['Pub', 'billing-producer', 'success']);
      assert.ok(rows.some((r) => r.type === 'SubAfter' && r.group === 'ledger' && r.status === 'failed'));
      assert.equal(rows.length, steps.length);
      // A producer without enableMsgTrace writes no Pub step; the consumers still trace their part.
      const untracedSteps = await admin.messageTrace(untraced.msgId);
      assert.ok(untracedSteps.length > 0 && untracedSteps.every((s) => s.type !== 'Pub'));
    } finally {
      await admin.shutdown();
    }
  });

  it("records a transaction's half message and its end", async () => {
    const namesrv = await startNamesrv();
    await startBroker({ namesrvAddr: namesrv.address });
    const producer = new TransactionProducer({
      namesrvAddr: namesrv.address,
      producerGroup: 'ledger-tx',
      enableMsgTrace: true,
      logger: silentLogger,
      transactionListener: {
        executeLocalTransaction: () => 'COMMIT_MESSAGE',
        checkLocalTransaction: () => 'COMMIT_MESSAGE',
      },
    });
    await producer.start();
    const admin = new Admin({ namesrvAddr: namesrv.address, logger: silentLogger });
    try {
      const sent = await producer.sendMessageInTransaction({ topic: 'Ledger', body: 'entry', keys: ['entry-1'] });
      const steps = await eventually(async () => {
        const trace = await admin.messageTrace(sent.msgId);
        return trace.length >= 2 ? trace : undefined;
      }, 'the half message and the end in the trace');
      assert.deepEqual(
        steps.map((s) => [s.type, s.bean.msgType, s.bean.transactionState, s.bean.fromTransactionCheck]).sort(),
        [
          ['EndTransaction', 'Trans_msg_Commit', 'COMMIT_MESSAGE', false],
          ['Pub', 'Trans_Msg_Half', '', false],
        ],
      );
      assert.equal(steps.find((s) => s.type === 'EndTransaction')!.bean.keys, 'entry-1');
    } finally {
      await admin.shutdown();
      await producer.shutdown();
    }
  });
});
