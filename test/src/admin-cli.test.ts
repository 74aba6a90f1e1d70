import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startBroker, startNamesrv, temporaryDir } from './support/cluster.js';
import { startProducer, testConsumer } from './support/clients.js';
import { rocketnestArgs } from './support/cli.js';

/** `rocketnest admin ...args` as a process of its own (not blocking this one, whose consumers it asks). */
function admin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, rocketnestArgs('admin', ...args), (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function json<T>(...args: string[]): Promise<T> {
  const run = await admin(...args, '--json');
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as T;
}

describe('rocketnest admin', () => {
  it('lists, creates and inspects topics and messages, as tables for people and JSON for scripts', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address });
    const n = ['-n', namesrv.address];

    const table = await admin('clusterList', ...n);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /│ cluster\s+│ broker\s+│ id │ address/);
    assert.ok(table.stdout.includes(broker.brokerAddr));
    const [member] = await json<{ broker: string; role: string; version: string }[]>('clusterList', ...n);
    assert.deepEqual([member!.broker, member!.role, member!.version], ['broker-a', 'ASYNC_MASTER', 'V4_9_8']);

    const created = await admin('updateTopic', '-t', 'Orders', '-c', 'DefaultCluster', '-r', '2', '-w', '2', ...n);
    assert.match(created.stdout, new RegExp(`create topic to ${broker.brokerAddr} success`));
    assert.ok((await json<{ topic: string }[]>('topicList', ...n)).some((row) => row.topic === 'Orders'));
    const route = await json<{ queueDatas: { writeQueueNums: number }[] }>('topicRoute', '-t', 'Orders', ...n);
    assert.equal(route.queueDatas[0]!.writeQueueNums, 2);

    const [sent] = await json<{ msgId: string; offsetMsgId: string; status: string }[]>(
      'sendMessage',
      '-t',
      'Orders',
      '-p',
      '{"order":7,"lines":[1,2]}',
      '-k',
      'order-7',
      '-c',
      'Paid',
      ...n,
    );
    assert.equal(sent!.status, 'SEND_OK');
    const byKey = await json<{ msgId: string }[]>('queryMsgByKey', '-t', 'Orders', '-k', 'order-7', ...n);
    assert.deepEqual(
      byKey.map((row) => row.msgId),
      [sent!.msgId],
    );
    const printed = await json<{ tags: string; body: string }[]>('printMsg', '-t', 'Orders', ...n);
    assert.deepEqual(
      printed.map((row) => [row.tags, row.body]),
      [['Paid', '{"order":7,"lines":[1,2]}']],
    );
    // A person reading one message sees its JSON body laid out.
    const byId = await admin('queryMsgById', '-i', sent!.offsetMsgId, ...n);
    assert.match(byId.stdout, /keys\s+order-7/);
    assert.match(byId.stdout, /"lines": \[\n\s+1,\n\s+2\n\s+\]/);

    const dir = temporaryDir();
    const exported = await admin('exportMetadata', '-c', 'DefaultCluster', '-f', dir, ...n);
    assert.equal(exported.code, 0, exported.stderr);
    const metadata = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as { topicConfigTable: object };
    assert.ok('Orders' in metadata.topicConfigTable);
    assert.ok(!('TBW102' in metadata.topicConfigTable));

    const updated = await admin(
      'updateBrokerConfig',
      '-b',
      broker.brokerAddr,
      '-k',
      'shortPollingTimeMills',
      '-v',
      '700',
      ...n,
    );
    assert.equal(updated.code, 0, updated.stderr);
    const configs = await json<Record<string, Record<string, string>>>(
      'getBrokerConfig',
      '-b',
      broker.brokerAddr,
      ...n,
    );
    assert.equal(configs[broker.brokerAddr]!['shortPollingTimeMills'], '700');
  });

  it("shows a group's members as they answer, waits for it to drain, and moves its offsets", async () => {
    const namesrv = await startNamesrv();
    await startBroker({ namesrvAddr: namesrv.address });
    const n = ['-n', namesrv.address];
    const producer = await startProducer(namesrv.address);
    for (let i = 0; i < 20; i++) await producer.send({ topic: 'Work', body: `job ${i}` });
    let slow = true;
    const consumer = testConsumer({
      namesrvAddr: namesrv.address,
      consumerGroup: 'workers',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    })
      .subscribe('Work')
      .onMessage(async () => {
        // Held back until the test has seen a lag to wait for.
        while (slow) await new Promise((resolve) => setTimeout(resolve, 50));
      });
    await consumer.start();

    const members = await json<{ connectionSet: { clientId: string }[] }>('consumerConnection', '-g', 'workers', ...n);
    assert.deepEqual(
      members.connectionSet.map((c) => c.clientId),
      [consumer.instance.clientId],
    );
    const status = await json<Record<string, { properties: Record<string, string> }>>(
      'consumerStatus',
      '-g',
      'workers',
      ...n,
    );
    assert.equal(status[consumer.instance.clientId]!.properties['PROP_CONSUME_TYPE'], 'CONSUME_PASSIVELY');

    const draining = admin('consumerProgress', '-g', 'workers', '-t', 'Work', '--wait-drain', '--timeout', '60', ...n);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    slow = false;
    const drained = await draining;
    assert.equal(drained.code, 0, drained.stderr);
    assert.match(drained.stdout, /lag total: 0/);

    const reset = await json<{ offset: number }[]>('resetOffsetByTime', '-g', 'workers', '-t', 'Work', '-s', '0', ...n);
    assert.ok(reset.length > 0 && reset.every((row) => row.offset === 0));
    const skipped = await json<{ offset: number }[]>('skipAccumulatedMessage', '-g', 'workers', '-t', 'Work', ...n);
    assert.equal(
      skipped.reduce((sum, row) => sum + row.offset, 0),
      20,
    );
  });

  it('exits 2 for a bad command line, 3 when nothing answers, 1 when the cluster finds nothing, and helps', async () => {
    const namesrv = await startNamesrv();
    await startBroker({ namesrvAddr: namesrv.address });
    const unknown = await admin('topicLsit', '-n', namesrv.address);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'topicLsit'/);
    const missing = await admin('topicRoute', '-n', namesrv.address);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /required option '-t, --topic <topic>' not specified/);
    const badTime = await admin(
      'resetOffsetByTime',
      '-g',
      'g',
      '-t',
      'T',
      '-s',
      'yesterday-ish',
      '-n',
      namesrv.address,
    );
    assert.equal(badTime.code, 2);
    assert.match(badTime.stderr, /cannot read "yesterday-ish" as a time/);
    const unreachable = await admin('clusterList', '-n', '127.0.0.1:1');
    assert.equal(unreachable.code, 3);
    assert.match(unreachable.stderr, /is the NameServer or broker running at that address\?/);
    const nothing = await admin('topicRoute', '-t', 'NoSuchTopic', '-n', namesrv.address);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /NoSuchTopic/);
    const noOrder = await admin('updateOrderConf', '-t', 'NoSuchTopic', '-m', 'get', '-n', namesrv.address);
    assert.equal(noOrder.code, 1);

    const help = await admin('--help');
    assert.equal(help.code, 0);
    for (const command of ['clusterList', 'consumerProgress', 'exportMetadata', 'queryCq', 'statsAll', 'promote']) {
      assert.match(help.stdout, new RegExp(`\\n  ${command}\\b`));
    }
    const commandHelp = await admin('resetOffsetByTime', '--help');
    assert.equal(commandHelp.code, 0);
    assert.match(commandHelp.stdout, /Usage: rocketnest admin resetOffsetByTime \[options\]/);
    assert.match(commandHelp.stdout, /-s, --timestamp <time>/);
    assert.match(commandHelp.stdout, /Exit codes: 0 done; 1/);
    assert.equal(existsSync(join(process.cwd(), 'metadata.json')), false);
  });
});
