import { silentLogger, type Logger } from '@rocketnest/common';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  createRequest,
  createResponse,
  encodeFrame,
  isOneway,
  RequestCode,
  ResponseCode,
  SerializeType,
  type RemotingCommand,
} from '@rocketnest/protocol';
import {
  RemotingClient,
  RemotingClosedError,
  RemotingConnectError,
  RemotingServer,
  RemotingTimeoutError,
  type RemotingConnection,
} from './index.js';

const ECHO = 9001;

function echo(request: RemotingCommand): RemotingCommand {
  return createResponse(request, ResponseCode.SUCCESS, { extFields: request.extFields, body: request.body });
}

/** A server and client on 127.0.0.1, both closed when the test file ends. */
async function pair(
  serverOptions: ConstructorParameters<typeof RemotingServer>[0] = {},
  clientOptions: ConstructorParameters<typeof RemotingClient>[0] = {},
) {
  const server = new RemotingServer({ logger: silentLogger, ...serverOptions });
  server.registerProcessor(ECHO, echo);
  await server.listen();
  const client = new RemotingClient({ logger: silentLogger, ...clientOptions });
  after(async () => {
    await client.close();
    await server.close();
  });
  return { server, client, address: server.addressString };
}

function nextConnection(server: RemotingServer): Promise<RemotingConnection> {
  return new Promise((resolve) => server.once('connect', resolve));
}

describe('remoting client and server over a real socket', () => {
  it('answers 10,000 pipelined requests, in the order of their opaques', async () => {
    const { client, server, address } = await pair();
    const seenByServer: number[] = [];
    server.registerProcessor(RequestCode.GET_MAX_OFFSET, (request) => {
      seenByServer.push(request.opaque);
      return createResponse(request, ResponseCode.SUCCESS, { extFields: { offset: request.extFields['queueId']! } });
    });
    await client.connection(address);
    const sent: number[] = [];
    const answered: number[] = [];
    const calls: Promise<void>[] = [];
    for (let i = 0; i < 10_000; i++) {
      const request = createRequest(RequestCode.GET_MAX_OFFSET, { extFields: { topic: 'T', queueId: String(i) } });
      sent.push(request.opaque);
      calls.push(
        client.invoke(address, request, { timeoutMs: 30_000 }).then((response) => {
          assert.equal(response.opaque, request.opaque);
          assert.equal(response.extFields['offset'], String(i));
          answered.push(response.opaque);
        }),
      );
    }
    await Promise.all(calls);
    assert.deepEqual(seenByServer, sent);
    assert.deepEqual(answered, sent);
  });

  it('coalesces pipelined frames into few writes to the OS, not one per frame', async () => {
    const { client, address } = await pair();
    await client.connection(address);
    // Every write the socket hands to the OS goes through _write (one buffer) or _writev (many).
    type Internals = { _write: (...args: unknown[]) => void; _writev: (...args: unknown[]) => void };
    const socketPrototype = net.Socket.prototype as unknown as Internals;
    const original = { _write: socketPrototype._write, _writev: socketPrototype._writev };
    let writes = 0;
    for (const name of ['_write', '_writev'] as const) {
      socketPrototype[name] = function (this: unknown, ...args: unknown[]) {
        writes++;
        return original[name].apply(this, args);
      };
    }
    let calls: Promise<RemotingCommand>[];
    try {
      calls = Array.from({ length: 1000 }, () =>
        client.invoke(address, createRequest(ECHO, { body: Buffer.alloc(100) })),
      );
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      Object.assign(socketPrototype, original);
    }
    await Promise.all(calls);
    assert.ok(writes >= 1 && writes <= 2, `1000 frames took ${writes} writes`);
  });

  it('carries bodies of every size, inline and beside the header, pipelined in order', async () => {
    const { client, address } = await pair();
    const sizes = [0, 1, 1023, 16383, 16384, 70_000, 1024 * 1024, 5];
    const bodies = sizes.map((size, i) => Buffer.alloc(size, i + 1));
    const responses = await Promise.all(
      bodies.map((body) => client.invoke(address, createRequest(ECHO, { body }), { timeoutMs: 30_000 })),
    );
    responses.forEach((response, i) => {
      assert.equal(response.body?.length ?? 0, sizes[i]);
      if (sizes[i]! > 0) assert.ok(response.body!.equals(bodies[i]!), `body of ${sizes[i]} bytes changed`);
    });
  });

  it('times a request out with a clear error, and drops the late answer', async () => {
    const { client, server, address } = await pair();
    let late: (() => void) | undefined;
    server.registerProcessor(RequestCode.PULL_MESSAGE, (request, context) => {
      late = () => context.respond(createResponse(request));
      return null;
    });
    const request = createRequest(RequestCode.PULL_MESSAGE);
    await assert.rejects(client.invoke(address, request, { timeoutMs: 50 }), (error: unknown) => {
      assert.ok(error instanceof RemotingTimeoutError);
      assert.match(error.message, /PULL_MESSAGE \(11, opaque -?\d+\) to 127\.0\.0\.1:\d+ got no response within 50 ms/);
      return true;
    });
    const connection = await client.connection(address);
    assert.equal(connection.pendingRequests, 0);
    late!();
    // The connection still serves requests after the stray answer.
    assert.equal((await client.invoke(address, createRequest(ECHO))).code, ResponseCode.SUCCESS);
  });

  it('aborts a request when its signal fires', async () => {
    const { client, server, address } = await pair();
    server.registerProcessor(RequestCode.PULL_MESSAGE, () => null);
    const controller = new AbortController();
    const call = client.invoke(address, createRequest(RequestCode.PULL_MESSAGE), {
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    controller.abort(new Error('consumer shutting down'));
    await assert.rejects(call, /consumer shutting down/);
  });

  it('delivers one-way requests and sends nothing back for them', async () => {
    const debug: string[] = [];
    const logger: Logger = { ...silentLogger, debug: (message) => debug.push(message) };
    const { client, server, address } = await pair({}, { logger });
    const received: RemotingCommand[] = [];
    const arrived = new Promise<void>((resolve) => {
      server.registerProcessor(RequestCode.UPDATE_CONSUMER_OFFSET, (request) => {
        received.push(request);
        if (received.length === 3) resolve();
        return createResponse(request); // must not be sent: the request is one-way
      });
    });
    for (let i = 0; i < 3; i++) {
      await client.invokeOneway(
        address,
        createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, { extFields: { commitOffset: String(i) } }),
      );
    }
    await arrived;
    assert.deepEqual(
      received.map((r) => r.extFields['commitOffset']),
      ['0', '1', '2'],
    );
    assert.ok(received.every(isOneway));
    // A round trip after them proves any answer to them would have arrived by now.
    await client.invoke(address, createRequest(ECHO));
    assert.deepEqual(
      debug.filter((line) => line.includes('dropped a response')),
      [],
    );
  });

  it('lets the server send requests to a client on the connection the client opened', async () => {
    const { client, server, address } = await pair();
    const notified: string[] = [];
    client.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, (request) =>
      createResponse(request, ResponseCode.SUCCESS, {
        body: Buffer.from(`running ${request.extFields['consumerGroup']}`),
      }),
    );
    const notifiedOnce = new Promise<void>((resolve) =>
      client.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (request) => {
        notified.push(request.extFields['consumerGroup']!);
        resolve();
        return null;
      }),
    );
    const connected = nextConnection(server);
    await client.connection(address);
    const connection = await connected;
    const answer = await server.invoke(
      connection,
      createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, { extFields: { consumerGroup: 'G', clientId: 'c' } }),
      3_000,
    );
    assert.equal(answer.body?.toString(), 'running G');
    await server.invokeOneway(
      connection,
      createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { extFields: { consumerGroup: 'G' } }),
    );
    await notifiedOnce;
    assert.deepEqual(notified, ['G']);
  });

  it('answers REQUEST_CODE_NOT_SUPPORTED for a code without a processor, and SYSTEM_ERROR for a throw', async () => {
    const { client, server, address } = await pair();
    server.registerProcessor(RequestCode.QUERY_MESSAGE, () => {
      throw new Error('index file unreadable');
    });
    server.registerProcessor(RequestCode.VIEW_MESSAGE_BY_ID, async () => {
      throw new Error('no such offset');
    });
    const unsupported = await client.invoke(address, createRequest(4242));
    assert.equal(unsupported.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    assert.equal(unsupported.remark, ' request type 4242 not supported');
    const thrown = await client.invoke(address, createRequest(RequestCode.QUERY_MESSAGE));
    assert.equal(thrown.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(thrown.remark, 'QUERY_MESSAGE failed: index file unreadable');
    const rejected = await client.invoke(address, createRequest(RequestCode.VIEW_MESSAGE_BY_ID));
    assert.equal(rejected.remark, 'VIEW_MESSAGE_BY_ID failed: no such offset');
  });

  it('answers SYSTEM_BUSY when a processor queue is full, then serves what it queued', async () => {
    const { client, server, address } = await pair();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    server.registerProcessor(
      RequestCode.SEND_MESSAGE_V2,
      async (request) => {
        await gate;
        return createResponse(request);
      },
      { concurrency: 1, queueCapacity: 2 },
    );
    const calls = Array.from({ length: 5 }, () =>
      client.invoke(address, createRequest(RequestCode.SEND_MESSAGE_V2), { timeoutMs: 10_000 }),
    );
    const busy = await Promise.all(calls.slice(3));
    for (const response of busy) {
      assert.equal(response.code, ResponseCode.SYSTEM_BUSY);
      assert.match(response.remark ?? '', /^\[OVERLOAD\]/);
    }
    release();
    const served = await Promise.all(calls.slice(0, 3));
    assert.deepEqual(
      served.map((r) => r.code),
      [0, 0, 0],
    );
  });

  it('answers in the serialize type of the request', async () => {
    const { client, address } = await pair();
    const response = await client.invoke(address, {
      ...createRequest(ECHO, { extFields: { k: 'v' } }),
      serializeType: SerializeType.ROCKETMQ,
    });
    assert.equal(response.serializeType, SerializeType.ROCKETMQ);
    assert.equal(response.extFields['k'], 'v');
  });

  it('fails every in-flight request at once when the peer dies mid-frame', async (t) => {
    // A server that reads requests and answers with half a frame, then dies.
    const peer = net.createServer((socket) => {
      socket.once('data', () => {
        const frame = encodeFrame(createResponse(createRequest(ECHO, { opaque: 1 }), 0, { body: Buffer.alloc(64) }));
        socket.write(frame.subarray(0, 20), () => socket.destroy());
      });
    });
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    t.after(() => peer.close());
    const client = new RemotingClient({ logger: silentLogger });
    t.after(() => client.close());
    const address = `127.0.0.1:${(peer.address() as net.AddressInfo).port}`;
    const calls = Array.from({ length: 3 }, () => client.invoke(address, createRequest(ECHO), { timeoutMs: 60_000 }));
    const results = await Promise.allSettled(calls);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof RemotingClosedError, String(result.reason));
      assert.match(result.reason.message, /connection to 127\.0\.0\.1:\d+ closed.*did not get a response/);
    }
    // The next request opens a new connection rather than using the dead one.
    await assert.rejects(client.invoke(address, createRequest(ECHO), { timeoutMs: 60_000 }), RemotingClosedError);
  });

  it('fails the server requests in flight to a client that dies', async () => {
    const { server, address } = await pair();
    const connected = nextConnection(server);
    const { port } = server.address;
    const raw = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => raw.once('connect', resolve));
    const connection = await connected;
    raw.once('data', () => raw.destroy());
    const disconnected = new Promise((resolve) => server.once('disconnect', resolve));
    await assert.rejects(
      server.invoke(connection, createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO), 60_000),
      RemotingClosedError,
    );
    await disconnected;
    assert.equal(server.connections.size, 0);
    assert.ok(address);
  });

  it('closes gracefully: in-flight requests fail at once with a clear error', async () => {
    const { client, server, address } = await pair();
    server.registerProcessor(RequestCode.PULL_MESSAGE, () => null);
    const calls = Array.from({ length: 4 }, () =>
      client.invoke(address, createRequest(RequestCode.PULL_MESSAGE), { timeoutMs: 60_000 }),
    );
    const settled = Promise.allSettled(calls);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await client.close();
    for (const result of await settled) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof RemotingClosedError);
      assert.match(result.reason.message, /closed: closed locally; request PULL_MESSAGE/);
    }
    await assert.rejects(client.invoke(address, createRequest(ECHO)), /the client is closed/);
  });

  it('closes the server gracefully, failing its requests to clients and ending their connections', async () => {
    const server = new RemotingServer({ logger: silentLogger });
    await server.listen();
    const client = new RemotingClient({ logger: silentLogger });
    after(() => client.close());
    client.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, () => null);
    const connected = nextConnection(server);
    const clientConnection = await client.connection(server.addressString);
    const connection = await connected;
    const call = assert.rejects(
      server.invoke(connection, createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO), 60_000),
      /closed locally/,
    );
    const clientSawClose = new Promise((resolve) => clientConnection.once('close', resolve));
    await server.close();
    await call;
    await clientSawClose;
    assert.ok(clientConnection.closed);
  });

  it('closes a connection that stays idle', async () => {
    const { client, server, address } = await pair({ idleTimeMs: 100 });
    const idle = new Promise<RemotingConnection>((resolve) => server.once('idle', resolve));
    const disconnected = new Promise((resolve) => server.once('disconnect', resolve));
    const connection = await client.connection(address);
    const clientSawClose = new Promise((resolve) => connection.once('close', resolve));
    await idle;
    await disconnected;
    await clientSawClose;
    // A new request simply opens a new connection.
    assert.equal((await client.invoke(address, createRequest(ECHO))).code, ResponseCode.SUCCESS);
  });

  it('closes a connection that sends a frame over the maximum, without buffering it', async () => {
    const warnings: string[] = [];
    const { client, address } = await pair({
      maxFrameLength: 1024,
      logger: { ...silentLogger, warn: (m) => warnings.push(m) },
    });
    await assert.rejects(
      client.invoke(address, createRequest(ECHO, { body: Buffer.alloc(4096) }), { timeoutMs: 60_000 }),
      RemotingClosedError,
    );
    assert.match(warnings.join('\n'), /exceeds the 1024-byte limit/);
  });

  it('says which address it could not connect to', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const client = new RemotingClient({ logger: silentLogger });
    after(() => client.close());
    await assert.rejects(client.invoke(`127.0.0.1:${port}`, createRequest(ECHO)), (error: unknown) => {
      assert.ok(error instanceof RemotingConnectError);
      assert.match(error.message, new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
      return true;
    });
    await assert.rejects(client.invoke('no-port', createRequest(ECHO)), /not an address of the form host:port/);
  });

  it('speaks TLS when configured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rocketnest-tls-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'cert.pem'));
    const { client, address } = await pair(
      { tls: { key: readFileSync(join(dir, 'key.pem')), cert } },
      { tls: { ca: cert } },
    );
    const response = await client.invoke(address, createRequest(ECHO, { body: Buffer.from('over tls') }));
    assert.equal(response.body?.toString(), 'over tls');
    // A plain-TCP client cannot talk to it.
    const plain = new RemotingClient({ logger: silentLogger });
    after(() => plain.close());
    await assert.rejects(plain.invoke(address, createRequest(ECHO), { timeoutMs: 60_000 }), RemotingClosedError);
  });
});
