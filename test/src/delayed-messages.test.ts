import { silentLogger } from '@rocketnest/common';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { decodeStoredMessages, propertyValue, ResponseCode, type StoredMessage } from '@rocketnest/protocol';
import { RemotingClient } from '@rocketnest/remoting';
import type { BrokerController } from '@rocketnest/broker';
import { eventually, startBroker, startNamesrv, temporaryDir } from './support/cluster.js';
import { startProducer } from './support/clients.js';
import { Requests } from './support/requests.js';

const LEVELS = '100ms 250ms 500ms 1s';
const LEVEL_MS = [100, 250, 500, 1000];
/** How late the broker may put a due message in its topic. */
const LATE_MS = 100;

function records(broker: BrokerController, topic: string, queueId: number): StoredMessage[] {
  const found: StoredMessage[] = [];
  for (let offset = 0; ;) {
    const result = broker.store.getMessage(topic, queueId, offset, 64);
    if (result.status !== 'FOUND') return found;
    found.push(...decodeStoredMessages(result.body));
    offset = result.nextBeginOffset;
  }
}

const uniqueKey = (record: StoredMessage) => propertyValue(record.properties, 'UNIQ_KEY')!;

describe('delayed messages', () => {
  it('holds each delay level and delivery time, then puts the message in its topic never early and at most 100 ms late', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address }, { messageDelayLevel: LEVELS });
    const sender = await startProducer(namesrv.address);
    const queue = { topic: 'Reminders', brokerName: broker.config.brokerName, queueId: 0 };
    await sender.send({ topic: 'Reminders', body: 'create' }, { queue });
    const due = new Map<string, number>();
    for (let level = 1; level <= 4; level++) {
      const sent = await sender.send({ topic: 'Reminders', body: `level ${level}`, delayLevel: level }, { queue });
      due.set(sent.msgId, LEVEL_MS[level - 1]!);
    }
    // Beyond the last level: clamped to it.
    const clamped = await sender.send({ topic: 'Reminders', body: 'level 9', delayLevel: 9 }, { queue });
    due.set(clamped.msgId, 1000);
    const at = Date.now() + 700;
    const timed = await sender.send({ topic: 'Reminders', body: 'at a time', deliverAt: new Date(at) }, { queue });
    await eventually(() => records(broker, 'Reminders', 0).length === 7, 'every held message in its topic', 10_000);
    const held = new Map<string, StoredMessage>();
    for (let queueId = 0; queueId < 4; queueId++) {
      for (const record of records(broker, 'SCHEDULE_TOPIC_XXXX', queueId)) held.set(uniqueKey(record), record);
    }
    const [timer] = records(broker, 'rmq_sys_wheel_timer', 0);
    for (const delivered of records(broker, 'Reminders', 0).slice(1)) {
      const id = uniqueKey(delivered);
      const expected = id === timed.msgId ? at : held.get(id)!.storeTimestamp + due.get(id)!;
      const late = delivered.storeTimestamp - expected;
      assert.ok(late >= 0, `${delivered.body} was ${-late} ms early`);
      assert.ok(late <= LATE_MS, `${delivered.body} was ${late} ms late`);
      assert.equal(propertyValue(delivered.properties, 'DELAY'), undefined);
      assert.equal(propertyValue(delivered.properties, 'REAL_TOPIC'), 'Reminders');
    }
    assert.equal(uniqueKey(timer!), timed.msgId);
    assert.equal(propertyValue(timer!.properties, 'TIMER_DELIVER_MS'), String(at));
  });

  it('on a broker without timers (timerWheelEnable=false, as RocketMQ 4.x) a delivery time is refused, or sent at the first delay level not early', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker(
      { namesrvAddr: namesrv.address },
      { messageDelayLevel: LEVELS, timerWheelEnable: false },
    );
    const refusing = await startProducer(namesrv.address);
    const queue = { topic: 'Deadlines', brokerName: broker.config.brokerName, queueId: 0 };
    await refusing.send({ topic: 'Deadlines', body: 'create' }, { queue });
    await assert.rejects(
      refusing.send({ topic: 'Deadlines', body: 'refused', deliverAt: Date.now() + 200 }, { queue }),
      /cannot be kept on Deadlines: its broker has no timers \(timerWheelEnable; RocketMQ 4\.x\).*deliverAtFallback/,
    );
    const fallingBack = await startProducer(namesrv.address, 'fallback-producer', { deliverAtFallback: 'delayLevel' });
    const due = Date.now() + 200;
    const sent = await fallingBack.send({ topic: 'Deadlines', body: 'at level 2', deliverAt: due }, { queue });
    const [held] = records(broker, 'SCHEDULE_TOPIC_XXXX', 1); // level 2: 250 ms, the first not under 200 ms
    assert.equal(uniqueKey(held!), sent.msgId);
    await eventually(() => records(broker, 'Deadlines', 0).length === 2, 'the message in its topic', 5_000);
    const delivered = records(broker, 'Deadlines', 0)[1]!;
    assert.equal(uniqueKey(delivered), sent.msgId);
    assert.ok(delivered.storeTimestamp >= due, `delivered ${due - delivered.storeTimestamp} ms early`);
    assert.equal(records(broker, 'Deadlines', 0).filter((record) => record.body.toString() === 'refused').length, 0);
    await assert.rejects(
      fallingBack.send({ topic: 'Deadlines', body: 'too far', deliverAt: Date.now() + 5_000 }, { queue }),
      /beyond the longest delay level of Deadlines's broker \(1000 ms\)/,
    );
  });

  it('loses and repeats nothing when the broker restarts while messages wait', async () => {
    const namesrv = await startNamesrv();
    const storePathRootDir = temporaryDir();
    const settings = { messageDelayLevel: LEVELS, storePathRootDir };
    let broker = await startBroker({ namesrvAddr: namesrv.address }, settings);
    const sender = await startProducer(namesrv.address);
    const queue = { topic: 'Later', brokerName: broker.config.brokerName, queueId: 0 };
    await sender.send({ topic: 'Later', body: 'create' }, { queue });
    const ids: string[] = [];
    const start = Date.now();
    for (let i = 0; i < 40; i++) {
      const delayed = i % 2 === 0 ? { delayLevel: 1 + (i % 4) } : { deliverAt: start + 100 + i * 40 };
      ids.push((await sender.send({ topic: 'Later', body: `m${i}`, ...delayed }, { queue })).msgId);
    }
    // Stop while some are delivered and some still wait.
    await eventually(() => records(broker, 'Later', 0).length > 5, 'some deliveries');
    const port = broker.port;
    await broker.shutdown();
    const deliveredBefore = records(broker, 'Later', 0).length - 1;
    assert.ok(deliveredBefore < 40, 'stopped before all were due');
    broker = await startBroker({ namesrvAddr: namesrv.address, listenPort: port }, settings);
    await eventually(() => records(broker, 'Later', 0).length === 41, 'all forty after the restart', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const delivered = records(broker, 'Later', 0).slice(1).map(uniqueKey);
    assert.equal(delivered.length, 40, 'none twice');
    assert.deepEqual([...delivered].sort(), [...ids].sort());
  });

  it('refuses a delay on a batch, and a delivery time that is not a whole number', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address }, { messageDelayLevel: LEVELS });
    const sender = await startProducer(namesrv.address);
    await assert.rejects(
      sender.sendBatch([{ topic: 'Bad', body: 'x', delayLevel: 2 }]),
      /batch cannot have a delay level/,
    );
    const client = new RemotingClient({ logger: silentLogger });
    after(() => client.close());
    const response = await new Requests(client).send(broker.brokerAddr, 'Bad', 'x', {
      properties: { TIMER_DELAY_SEC: 'soon' },
    });
    assert.equal(response.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.match(response.remark ?? '', /TIMER_DELAY_SEC must be a whole number of s, got "soon"/);
  });
});
