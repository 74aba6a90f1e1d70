import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseProperties } from '@rocketnest/common';
import { RequestCode, ResponseCode } from '@rocketnest/protocol';
import { startBroker, startNamesrv, temporaryDir } from './support/cluster.js';
import { RocketnestProcess } from './support/local-cluster.js';
import { requestsClient } from './support/requests.js';

describe('the config commands (mqadmin getBrokerConfig, updateBrokerConfig, getNamesrvConfig, updateNamesrvConfig)', () => {
  it('read the settings, change the live ones at once and the others at the next start, write both to the file -c gave, and refuse what is not a setting or not of its type', async () => {
    const dir = temporaryDir();
    const namesrvFile = join(dir, 'namesrv.properties');
    writeFileSync(namesrvFile, '# our NameServer\nlistenPort=0\nbindAddress=127.0.0.1\n');
    const namesrv = await RocketnestProcess.start(['namesrv', '-c', namesrvFile]);
    after(() => namesrv.stop());
    const namesrvAddr = `127.0.0.1:${/listening on 127\.0\.0\.1:(\d+)/.exec(namesrv.output)![1]}`;
    const brokerFile = join(dir, 'broker.conf');
    writeFileSync(
      brokerFile,
      `# the broker\nbrokerName=configured\nbindAddress=127.0.0.1\nbrokerIP1=127.0.0.1\nlistenPort=0\nstorePathRootDir=${join(dir, 'store')}\n`,
    );
    const broker = await RocketnestProcess.start(['broker', '-n', namesrvAddr, '-c', brokerFile]);
    after(() => broker.stop());
    const brokerAddr = /The broker\[configured, (\S+)\]/.exec(broker.output)![1]!;
    const requests = requestsClient();
    const settings = async (address: string, code: number) => {
      const response = await requests.call(address, code);
      assert.equal(response.code, ResponseCode.SUCCESS, response.remark ?? '');
      return parseProperties(response.body!.toString());
    };

    const before = await settings(brokerAddr, RequestCode.GET_BROKER_CONFIG);
    assert.equal(before['brokerName'], 'configured');
    assert.equal(before['longPollingEnable'], 'true');
    assert.equal(before['secretKey'], undefined, 'the account is never shown');
    // RocketMQ 4.9's keys mqadmin exportConfigs reads, as they are here.
    assert.deepEqual(
      [before['filterServerNums'], before['traceTopicEnable'], before['useTLS']],
      ['0', 'false', 'false'],
    );
    const update = (address: string, code: number, text: string) => requests.call(address, code, {}, Buffer.from(text));
    const updated = await update(
      brokerAddr,
      RequestCode.UPDATE_BROKER_CONFIG,
      'shortPollingTimeMills=500\nbrokerName=renamed\n',
    );
    assert.equal(updated.code, ResponseCode.SUCCESS, updated.remark ?? '');
    const now = await settings(brokerAddr, RequestCode.GET_BROKER_CONFIG);
    assert.equal(now['shortPollingTimeMills'], '500', 'a live setting changes at once');
    assert.equal(now['brokerName'], 'configured', 'a name changes at the next start');
    assert.match(broker.output, /settings updated: shortPollingTimeMills=500, brokerName=renamed; brokerName take/);
    const file = readFileSync(brokerFile, 'utf8');
    assert.match(file, /^# the broker\nbrokerName=renamed\n/, 'rewritten where it stood, the comment kept');
    assert.match(file, /\nshortPollingTimeMills=500\n$/);
    const unknown = await update(brokerAddr, RequestCode.UPDATE_BROKER_CONFIG, 'brokerColour=blue\n');
    assert.equal(unknown.code, ResponseCode.SYSTEM_ERROR);
    assert.match(unknown.remark ?? '', /brokerColour: not a setting here; nothing changed/);
    const badType = await update(brokerAddr, RequestCode.UPDATE_BROKER_CONFIG, 'longPollingEnable=maybe\n');
    assert.match(badType.remark ?? '', /longPollingEnable must be true or false, got "maybe"; nothing changed/);
    const badRole = await update(brokerAddr, RequestCode.UPDATE_BROKER_CONFIG, 'brokerRole=BOSS\n');
    assert.match(badRole.remark ?? '', /brokerRole must be ASYNC_MASTER, SYNC_MASTER or SLAVE/);
    assert.equal(readFileSync(brokerFile, 'utf8'), file, 'a refused update writes nothing');

    assert.equal((await settings(namesrvAddr, RequestCode.GET_NAMESRV_CONFIG))['orderMessageEnable'], 'false');
    const namesrvUpdated = await update(namesrvAddr, RequestCode.UPDATE_NAMESRV_CONFIG, 'orderMessageEnable=true\n');
    assert.equal(namesrvUpdated.code, ResponseCode.SUCCESS, namesrvUpdated.remark ?? '');
    assert.equal((await settings(namesrvAddr, RequestCode.GET_NAMESRV_CONFIG))['orderMessageEnable'], 'true');
    assert.match(readFileSync(namesrvFile, 'utf8'), /^# our NameServer\n[\s\S]*\norderMessageEnable=true\n$/);
  });

  it('list the system topics (exportMetadata leaves them out); cleanUnusedTopic and cleanExpiredCQ delete the queues of topics the broker no longer has; deleteExpiredCommitLog runs retention now', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker(
      { namesrvAddr: namesrv.address },
      { fileReservedTime: 0, mappedFileSizeCommitLog: 64 * 1024 },
    );
    const requests = requestsClient();
    for (const topic of ['Kept', 'Dropped', 'AlsoDropped']) {
      assert.equal((await requests.send(broker.brokerAddr, topic, 'x')).code, ResponseCode.SUCCESS);
    }
    // Gone from the topic table, as after topics.json was edited, but their queues are still there.
    broker.topics.delete('Dropped');
    broker.topics.delete('AlsoDropped');
    assert.ok(broker.store.queues().has('Dropped'));
    const call = async (code: number) =>
      assert.equal((await requests.call(broker.brokerAddr, code)).code, ResponseCode.SUCCESS);
    const system = await requests.call(broker.brokerAddr, RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_BROKER);
    const { topicList } = JSON.parse(system.body!.toString()) as { topicList: string[] };
    assert.ok(topicList.includes('TBW102') && !topicList.includes('Kept'), `system topics: ${topicList.join(', ')}`);
    await call(RequestCode.CLEAN_UNUSED_TOPIC);
    assert.deepEqual(
      [...broker.store.queues().keys()].filter((topic) => /Kept|Dropped/.test(topic)),
      ['Kept'],
    );
    await call(RequestCode.CLEAN_EXPIRED_CONSUMEQUEUE);
    assert.ok(broker.store.queues().has('Kept'), 'a live topic keeps its queues');
    // Three segments' worth; fileReservedTime=0: all but the newest have expired, whatever the hour.
    for (let i = 0; i < 12; i++) await requests.send(broker.brokerAddr, 'Kept', 'y'.repeat(16 * 1024));
    assert.equal(broker.store.getMinPhyOffset(), 0);
    await call(RequestCode.DELETE_EXPIRED_COMMITLOG);
    assert.ok(
      broker.store.getMinPhyOffset() >= 128 * 1024,
      `the CommitLog now starts at ${broker.store.getMinPhyOffset()}`,
    );
  });
});
