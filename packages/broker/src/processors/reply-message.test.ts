import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createResponse,
  encodeProperties,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
  type RemotingCommand,
} from '@rocketnest/protocol';
import { sendHeader, startTestBroker } from './broker.test-support.js';

type Broker = Awaited<ReturnType<typeof startTestBroker>>;

const reply = ({ call }: Broker, topic: string, properties: Record<string, string>) =>
  call(
    RequestCode.SEND_REPLY_MESSAGE_V2,
    SendMessageRequestHeaderV2.encode(
      sendHeader(topic, { producerGroup: 'Responder', properties: encodeProperties(properties) }),
    ),
    Buffer.from('the answer'),
  );

describe('SEND_REPLY_MESSAGE', () => {
  it("pushes a reply to the requester's connection and stores it in the reply topic", async () => {
    const broker = await startTestBroker();
    const pushed: RemotingCommand[] = [];
    broker.client.registerProcessor(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, (request) => {
      pushed.push(request);
      return createResponse(request);
    });
    await broker.heartbeat('G', 'T', 'requester@1');
    const answer = await reply(broker, 'DefaultCluster_REPLY_TOPIC', { REPLY_TO_CLIENT: 'requester@1' });
    assert.equal(answer.code, ResponseCode.SUCCESS);
    assert.equal(pushed.length, 1);
    assert.equal(pushed[0]!.body!.toString(), 'the answer');
    assert.equal(broker.broker.store.getMaxOffsetInQueue('DefaultCluster_REPLY_TOPIC', 0), 1);
  });

  it('says when the requester is not connected or not named, and refuses a missing reply topic and slaves', async () => {
    const broker = await startTestBroker();
    const gone = await reply(broker, 'DefaultCluster_REPLY_TOPIC', { REPLY_TO_CLIENT: 'gone@1' });
    assert.equal(gone.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(gone.remark, 'the requester gone@1 is not connected to this broker');
    const unnamed = await reply(broker, 'DefaultCluster_REPLY_TOPIC', {});
    assert.equal(unnamed.remark, 'the reply has no REPLY_TO_CLIENT property');
    const topic = await reply(broker, 'Missing', { REPLY_TO_CLIENT: 'gone@1' });
    assert.equal(topic.code, ResponseCode.TOPIC_NOT_EXIST);
    const slave = await startTestBroker({ brokerRole: 'SLAVE', brokerId: 1 });
    const onSlave = await reply(slave, 'DefaultCluster_REPLY_TOPIC', { REPLY_TO_CLIENT: 'gone@1' });
    assert.equal(onSlave.code, ResponseCode.SERVICE_NOT_AVAILABLE);
  });
});
