import { silentLogger } from '@rocketnest/common';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  createResponse,
  FrameDecoder,
  isOneway,
  RESPONSE_FLAG,
  SerializeType,
  type RemotingCommand,
} from '@rocketnest/protocol';
import { RemotingServer } from '@rocketnest/remoting';

const fixtures = new URL('../../packages/protocol/fixtures/golden/', import.meta.url);

/** Request frames that real clients sent: Apache RocketMQ's Java client and mqadmin, and ali-ons. */
function clientRequests(): { file: string; frame: Buffer }[] {
  const sets = [
    ['rocketmq-4.9.4', (name: string) => name.startsWith('req-')],
    ['ali-ons', (name: string) => name.endsWith('.hex')],
  ] as const;
  return sets.flatMap(([set, wanted]) =>
    readdirSync(new URL(set, fixtures))
      .filter(wanted)
      .sort()
      .map((file) => ({
        file: `${set}/${file}`,
        frame: Buffer.from(readFileSync(new URL(`${set}/${file}`, fixtures), 'utf8').trim(), 'hex'),
      })),
  );
}

describe('frames written by real RocketMQ clients, replayed to a RemotingServer over TCP', () => {
  const server = new RemotingServer({ logger: silentLogger });
  const received: RemotingCommand[] = [];
  before(async () => {
    server.registerDefaultProcessor((request) => {
      received.push(request);
      return createResponse(request, 0, { extFields: { echoedCode: String(request.code) } });
    });
    await server.listen();
  });
  after(() => server.close());

  it('decodes every one, in any chunking, and answers each answerable one in its own serialize type', async () => {
    const requests = clientRequests();
    assert.ok(requests.length > 130, `only ${requests.length} request frames found`);
    const stream = Buffer.concat(requests.map((r) => r.frame));
    const socket = net.connect(server.address.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const responses: RemotingCommand[] = [];
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => decoder.push(chunk, (command) => responses.push(command)));
    // Odd-sized pieces, so that frames straddle the writes.
    for (let at = 0; at < stream.length; at += 997) {
      socket.write(stream.subarray(at, at + 997));
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Wait until the server has seen every request and its answers have all come back.
    await new Promise<void>((resolve) => {
      const check = () => {
        const answered =
          received.length === requests.length && responses.length === received.filter((r) => !isOneway(r)).length;
        if (answered) resolve();
        else setTimeout(check, 10);
      };
      check();
    });
    socket.destroy();

    assert.equal(received.length, requests.length);
    const expectedAnswers = received.filter((r) => !isOneway(r));
    assert.equal(responses.length, expectedAnswers.length);
    assert.ok(expectedAnswers.length < requests.length, 'the captures include one-way requests');
    responses.forEach((response, i) => {
      const request = expectedAnswers[i]!;
      assert.equal(response.opaque, request.opaque);
      assert.equal(response.flag & RESPONSE_FLAG, RESPONSE_FLAG);
      // ali-ons reads the whole header word as a JSON length: a JSON request gets a JSON answer.
      assert.equal(response.serializeType, request.serializeType);
      assert.equal(response.extFields['echoedCode'], String(request.code));
    });
    assert.ok(received.some((r) => r.serializeType === SerializeType.ROCKETMQ));
  });
});
