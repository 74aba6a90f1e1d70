import { silentLogger } from '@rocketnest/common';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Producer, PushConsumer } from '@rocketnest/client';
import { eventually, startBroker, startNamesrv } from './support/cluster.js';

const child = fileURLToPath(new URL('./crash/consumer-child.js', import.meta.url));

describe('client: a consumer killed mid-batch', () => {
  it('loses nothing: the surviving member receives everything the dead one had not finished', async () => {
    const namesrv = await startNamesrv();
    await startBroker({ namesrvAddr: namesrv.address });
    const producer = new Producer({
      namesrvAddr: namesrv.address,
      producerGroup: 'kill-producer',
      logger: silentLogger,
    });
    await producer.start();
    after(() => producer.shutdown());
    const total = 400;
    for (let i = 0; i < total; i++) await producer.send({ topic: 'Killed', body: `m${i}` });

    const doneByChild = new Set<string>();
    const killed = spawn(process.execPath, [child, namesrv.address, 'Killed', 'kill-group'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    after(() => killed.kill('SIGKILL'));
    let buffered = '';
    killed.stdout.setEncoding('utf8');
    killed.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line.startsWith('done ')) doneByChild.add(line.slice(5));
    });
    const exited = new Promise((resolve) => killed.on('exit', resolve));
    // The child alone owns every queue first; it is killed while it is busy with some.
    await eventually(() => doneByChild.size >= 40, 'the child to consume a while');

    const survivorGot = new Set<string>();
    const survivor = new PushConsumer({
      namesrvAddr: namesrv.address,
      consumerGroup: 'kill-group',
      instanceName: 'survivor',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      rebalanceInterval: 300,
      persistConsumerOffsetInterval: 100,
      brokerSuspendMaxTimeMillis: 2000,
      logger: silentLogger,
    })
      .subscribe('Killed')
      .onMessage((messages) => {
        for (const message of messages) survivorGot.add(message.body.toString());
      });
    after(() => survivor.shutdown(1000));
    await survivor.start();
    await eventually(() => doneByChild.size >= 80, 'the child to go on beside the survivor');
    killed.kill('SIGKILL');
    await exited;
    const everything = Array.from({ length: total }, (_, i) => `m${i}`);
    await eventually(
      () => everything.every((body) => doneByChild.has(body) || survivorGot.has(body)),
      'every message consumed by one member or the other',
      30_000,
    );
    assert.ok(doneByChild.size < total, 'the child was killed before it finished everything');
  });
});
