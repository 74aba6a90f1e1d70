import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type * as tls from 'node:tls';
import { silentLogger } from '@rocketnest/common';
import { createRequest, createResponse, ResponseCode } from '@rocketnest/protocol';
import {
  clientTlsFromProperties,
  RemotingClient,
  RemotingServer,
  serverTlsFromProperties,
  tlsFromProperties,
  type RemotingServerOptions,
} from '@rocketnest/remoting';
import { startProducer, testConsumer } from './support/clients.js';
import { RocketnestProcess } from './support/local-cluster.js';
import { freeBrokerPort, freePort } from './support/ports.js';
import { testPki, type TestPki } from './support/pki.js';
import { eventually, startBroker, temporaryDir } from './support/cluster.js';
import { requestsClient } from './support/requests.js';

const ECHO = 9001;

async function echoServer(options: RemotingServerOptions): Promise<string> {
  const server = new RemotingServer({ logger: silentLogger, ...options });
  server.registerProcessor(ECHO, (request) => createResponse(request, ResponseCode.SUCCESS, { body: request.body }));
  await server.listen();
  after(() => server.close());
  return server.addressString;
}

/** Echo once over a fresh client; resolves with the body, or rejects with why it could not. */
async function echo(address: string, clientTls?: tls.ConnectionOptions | boolean): Promise<string> {
  const client = new RemotingClient({ logger: silentLogger, tls: clientTls, connectTimeoutMs: 2000 });
  try {
    const response = await client.invoke(address, createRequest(ECHO, { body: Buffer.from('hello') }), {
      timeoutMs: 3000,
    });
    return response.body!.toString();
  } finally {
    await client.close();
  }
}

function serverTls(pki: TestPki, extra: Record<string, string> = {}) {
  const settings = serverTlsFromProperties(
    {
      'tls.server.mode': 'enforcing',
      'tls.server.keyPath': pki.serverKey,
      'tls.server.certPath': pki.serverCert,
      ...extra,
    },
    'broker.conf',
  )!;
  return {
    tls: settings.options,
    tlsMode: settings.mode,
    tlsClientAuth: settings.clientAuth,
  };
}

describe('TLS on the remoting ports, as RocketMQ 4.9 offers it (a CA made at test time)', () => {
  const pki = testPki(temporaryDir());
  const trusting = { ca: pki.read(pki.caCert) };

  it('enforcing: serves TLS clients and closes plain ones', async () => {
    const address = await echoServer(serverTls(pki));
    assert.equal(await echo(address, trusting), 'hello');
    await assert.rejects(echo(address), /closed|ECONNRESET/);
  });

  it('permissive: TLS and plain TCP on one port, told apart by the first byte', async () => {
    const address = await echoServer(serverTls(pki, { 'tls.server.mode': 'permissive' }));
    assert.equal(await echo(address, trusting), 'hello');
    assert.equal(await echo(address), 'hello');
  });

  it('need.client.auth require with authClient: only certificates the CA signed', async () => {
    const address = await echoServer(
      serverTls(pki, {
        'tls.server.need.client.auth': 'require',
        'tls.server.authClient': 'true',
        'tls.server.trustCertPath': pki.caCert,
      }),
    );
    const client = { ...trusting, key: pki.read(pki.clientKey), cert: pki.read(pki.clientCert) };
    assert.equal(await echo(address, client), 'hello');
    await assert.rejects(echo(address, trusting));
    await assert.rejects(
      echo(address, { ...trusting, key: pki.read(pki.strangerKey), cert: pki.read(pki.strangerCert) }),
    );
  });

  it('a client with authServer refuses a server its CA did not sign', async () => {
    const address = await echoServer({
      tls: { key: pki.read(pki.strangerKey), cert: pki.read(pki.strangerCert) },
    });
    const client = clientTlsFromProperties(
      { 'tls.enable': 'true', 'tls.client.authServer': 'true', 'tls.client.trustCertPath': pki.caCert },
      'client.properties',
    );
    await assert.rejects(echo(address, client), /self.signed|certificate/i);
    const trustingServer = await echoServer(serverTls(pki));
    assert.equal(await echo(trustingServer, client), 'hello');
  });

  it("reads RocketMQ's tls.* settings and tls.config.file, naming what is wrong", () => {
    assert.equal(serverTlsFromProperties({}, 'broker.conf'), undefined);
    assert.throws(
      () => serverTlsFromProperties({ 'tls.server.mode': 'strict' }, 'broker.conf'),
      /broker.conf: tls.server.mode must be disabled, permissive, enforcing; got "strict"/,
    );
    assert.throws(
      () => serverTlsFromProperties({ 'tls.server.mode': 'enforcing' }, 'broker.conf'),
      /tls.server.mode enforcing needs tls.server.keyPath and tls.server.certPath/,
    );
    assert.throws(
      () =>
        serverTlsFromProperties(
          {
            'tls.server.mode': 'enforcing',
            'tls.server.keyPath': '/nonexistent/key.pem',
            'tls.server.certPath': pki.serverCert,
          },
          'broker.conf',
        ),
      /broker.conf: tls.server.keyPath \/nonexistent\/key.pem cannot be read: ENOENT/,
    );
    const file = join(pki.dir, 'tls.properties');
    writeFileSync(
      file,
      `tls.server.mode=permissive\ntls.server.keyPath=${pki.serverKey}\ntls.server.certPath=${pki.serverCert}\n`,
    );
    assert.equal(serverTlsFromProperties({ 'tls.config.file': file }, 'broker.conf')?.mode, 'permissive');
  });
});

describe('TLS end to end: rocketnest namesrv and broker with tls.* settings, our clients over TLS', () => {
  it('serves producers and consumers that trust the CA, registers over TLS, and closes plain clients', async () => {
    const pki = testPki(temporaryDir());
    const dir = temporaryDir();
    const namesrvPort = await freePort();
    const brokerPort = await freeBrokerPort(new Set([namesrvPort]));
    const serverTls = [
      'tls.server.mode=enforcing',
      `tls.server.keyPath=${pki.serverKey}`,
      `tls.server.certPath=${pki.serverCert}`,
    ];
    writeFileSync(
      join(dir, 'namesrv.properties'),
      [`listenPort=${namesrvPort}`, 'bindAddress=127.0.0.1', ...serverTls, ''].join('\n'),
    );
    // The broker reaches its NameServer over TLS too, checking its certificate against the CA.
    writeFileSync(
      join(dir, 'tls.properties'),
      ['tls.enable=true', 'tls.client.authServer=true', `tls.client.trustCertPath=${pki.caCert}`, ''].join('\n'),
    );
    writeFileSync(
      join(dir, 'broker.conf'),
      [
        'brokerIP1=127.0.0.1',
        'bindAddress=127.0.0.1',
        `listenPort=${brokerPort}`,
        `namesrvAddr=127.0.0.1:${namesrvPort}`,
        `storePathRootDir=${join(dir, 'store')}`,
        'tls.config.file=tls.properties',
        ...serverTls,
        '',
      ].join('\n'),
    );
    const namesrv = await RocketnestProcess.start(['namesrv', '-c', join(dir, 'namesrv.properties')]);
    after(() => namesrv.stop());
    const broker = await RocketnestProcess.start(['broker', '-c', join(dir, 'broker.conf')]);
    after(() => broker.stop());
    const namesrvAddr = `127.0.0.1:${namesrvPort}`;
    const trusting = { ca: pki.read(pki.caCert) };

    const producer = await startProducer(namesrvAddr, 'tls-producer', { tls: trusting });
    // The broker's registration came over TLS: the route is there.
    await eventually(
      () =>
        producer.send({ topic: 'Secure', body: 'first' }).then(
          (result) => result.status === 'SEND_OK',
          () => false,
        ),
      'a send over TLS',
    );
    const received: string[] = [];
    const consumer = testConsumer({
      namesrvAddr,
      consumerGroup: 'tls-consumer',
      tls: trusting,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    consumer.subscribe('Secure', '*');
    consumer.onMessage((messages) => {
      for (const message of messages) received.push(message.body.toString());
    });
    await consumer.start();
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'Secure', body: `m${i}` });
    await eventually(() => received.length >= 6, 'six messages consumed over TLS');

    const plain = await startProducer(namesrvAddr, 'plain-producer', { requestTimeoutMs: 2000 });
    await assert.rejects(plain.send({ topic: 'Secure', body: 'x' }), /NameServer|closed/);
    assert.match(namesrv.output, /did not start a TLS handshake and this server is TLS only/);
  });
});

describe('replication over TLS (haTlsEnable)', () => {
  it('a slave with the CA replicates from a TLS master; one without TLS gets nothing', async () => {
    const pki = testPki(temporaryDir());
    const tls = tlsFromProperties(
      {
        'tls.server.mode': 'enforcing',
        'tls.server.keyPath': pki.serverKey,
        'tls.server.certPath': pki.serverCert,
        'tls.enable': 'true',
        'tls.client.authServer': 'true',
        'tls.client.trustCertPath': pki.caCert,
      },
      'broker.conf',
    );
    // No NameServer: with tls.enable the brokers would reach it with TLS too; the slaves are told the HA address.
    const haPort = await freePort();
    const master = await startBroker({ haTlsEnable: true, haListenPort: haPort }, {}, {}, tls);
    const requests = requestsClient({ tls: { ca: pki.read(pki.caCert) } });
    for (let i = 0; i < 50; i++) {
      assert.equal((await requests.send(master.brokerAddr, 'Replicated', `m${i}`)).code, ResponseCode.SUCCESS);
    }
    const haMasterAddress = `127.0.0.1:${haPort}`;
    const plain = await startBroker({ brokerId: 2, brokerRole: 'SLAVE', haMasterAddress });
    const slave = await startBroker(
      { brokerId: 1, brokerRole: 'SLAVE', haTlsEnable: true, haMasterAddress },
      {},
      {},
      tls,
    );
    await eventually(
      () => slave.store.getMaxPhyOffset() === master.store.getMaxPhyOffset(),
      'the TLS slave to have the master’s CommitLog',
    );
    assert.equal(plain.store.getMaxPhyOffset(), 0, 'a slave without TLS replicates nothing');
    assert.throws(
      () => new (master.constructor as new (settings: object) => unknown)({ broker: { haTlsEnable: true } }),
      /haTlsEnable needs tls.server.mode/,
    );
  });
});
