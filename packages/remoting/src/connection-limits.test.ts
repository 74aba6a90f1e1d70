import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, describe, it } from 'node:test';
import { silentLogger, type Logger } from '@rocketnest/common';
import { createRequest, createResponse, ResponseCode, type RemotingCommand } from '@rocketnest/protocol';
import { RemotingClient, RemotingServer, type RemotingServerOptions } from './index.js';

const ECHO = 9001;
const echo = (request: RemotingCommand) => createResponse(request, ResponseCode.SUCCESS, { body: request.body });

/** A raw socket to the server from localAddress (all of 127.0.0.0/8 is this machine). */
function openSocket(port: number, localAddress = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress }, () => resolve(socket));
    socket.on('error', reject);
  });
}

const closedSoon = (socket: net.Socket) =>
  new Promise<boolean>((resolve) => {
    if (socket.destroyed) return resolve(true);
    const timer = setTimeout(() => resolve(false), 300);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

/** An echo server with these limits, a client, and the warnings the server logs; closed after the test. */
async function echoServer(options: RemotingServerOptions = {}) {
  const warnings: string[] = [];
  const logger: Logger = { info() {}, debug() {}, error() {}, warn: (message) => warnings.push(message) };
  const server = new RemotingServer({ logger, ...options });
  server.registerProcessor(ECHO, echo);
  await server.listen();
  const client = new RemotingClient({ logger });
  after(async () => {
    await client.close();
    await server.close();
  });
  return { server, client, warnings };
}

describe('connection limits', () => {
  it('closes connections beyond maxConnectionsPerHost and maxConnections at once, says so once, and serves the others', async () => {
    const { server, client, warnings } = await echoServer({ maxConnectionsPerHost: 3, maxConnections: 5 });
    const { port } = server.address;
    const sockets = await Promise.all(Array.from({ length: 6 }, () => openSocket(port)));
    after(() => sockets.forEach((s) => s.destroy()));
    const closed = await Promise.all(sockets.map(closedSoon));
    assert.equal(closed.filter(Boolean).length, 3, 'three of six from one host were closed');
    assert.equal(server.connections.size, 3);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(
      warnings[0]!,
      /closed \d connection\(s\) at once: 127\.0\.0\.1 has 3 open and maxConnectionsPerHost is 3/,
    );
    // From other hosts: two more fit under maxConnections, the next does not.
    const others = [await openSocket(port, '127.0.0.2'), await openSocket(port, '127.0.0.3')];
    const sixth = await openSocket(port, '127.0.0.4');
    after(() => [...others, sixth].forEach((s) => s.destroy()));
    assert.deepEqual(await Promise.all([...others, sixth].map(closedSoon)), [false, false, true]);
    assert.equal(server.connections.size, 5);
    others.forEach((s) => s.destroy());
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The connections kept are served; a client's connection beyond the limit fails to get an answer.
    await assert.rejects(client.invoke(server.addressString, createRequest(ECHO), { timeoutMs: 1000 }));
    sockets[0]!.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const answer = await client.invoke(server.addressString, createRequest(ECHO, { body: Buffer.from('hi') }), {
      timeoutMs: 2000,
    });
    assert.equal(answer.body!.toString(), 'hi');
  });

  it('answers SYSTEM_BUSY beyond maxRequestsInFlight on one connection, leaving other connections served', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const server = new RemotingServer({ logger: silentLogger, maxRequestsInFlight: 4 });
    server.registerProcessor(ECHO, async (request) => {
      await gate;
      return echo(request);
    });
    server.registerProcessor(ECHO + 1, echo);
    await server.listen();
    const greedy = new RemotingClient({ logger: silentLogger });
    const other = new RemotingClient({ logger: silentLogger });
    after(async () => {
      await greedy.close();
      await other.close();
      await server.close();
    });
    const answers = Array.from({ length: 6 }, () => greedy.invoke(server.addressString, createRequest(ECHO)));
    const busy = await Promise.race([Promise.all(answers.slice(4)), gate.then(() => [])]);
    assert.deepEqual(
      busy.map((r) => r.code),
      [ResponseCode.SYSTEM_BUSY, ResponseCode.SYSTEM_BUSY],
    );
    assert.match(busy[0]!.remark!, /4 requests of this connection are in flight and maxRequestsInFlight is 4/);
    assert.equal((await other.invoke(server.addressString, createRequest(ECHO + 1))).code, ResponseCode.SUCCESS);
    release();
    assert.deepEqual(
      (await Promise.all(answers.slice(0, 4))).map((r) => r.code),
      [0, 0, 0, 0],
    );
    // Answered, they are no longer in flight: the connection takes requests again.
    assert.equal((await greedy.invoke(server.addressString, createRequest(ECHO))).code, ResponseCode.SUCCESS);
  });

  it('closes a connection whose request header is over 1 MiB, and serves the others', async () => {
    const { server, client, warnings } = await echoServer();
    const socket = await openSocket(server.address.port);
    const header = Buffer.from(
      JSON.stringify({ code: ECHO, flag: 0, opaque: 1, extFields: { x: 'y'.repeat(2 << 20) } }),
    );
    const frame = Buffer.alloc(8);
    frame.writeInt32BE(4 + header.length, 0);
    frame.writeInt32BE(header.length, 4);
    socket.write(Buffer.concat([frame, header]));
    assert.equal(await new Promise<boolean>((resolve) => socket.once('close', () => resolve(true))), true);
    assert.ok(warnings.some((warning) => /header of \d+ bytes is over this server's limit of 1048576/.test(warning)));
    const answer = await client.invoke(server.addressString, createRequest(ECHO, { body: Buffer.from('fine') }));
    assert.equal(answer.body?.toString(), 'fine');
  });
});
