import { readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { silentLogger } from '@rocketnest/common';
import { Admin, Producer, PushConsumer } from '@rocketnest/client';
import { RocketnestProcess } from '../support/local-cluster.js';
import { freeBrokerPort, freePort } from '../support/ports.js';
import { targets } from '../fuzz/targets.js';

export interface AbuseOptions {
  /** Hostile connections opened, from 127.0.0.2 to 127.0.0.9 (so that the real clients on 127.0.0.1 keep their share). */
  connections: number;
  /** Mutated frames sent over them in all. */
  frames: number;
  /** Messages the real producer sends (each acknowledged one must be consumed). */
  messages: number;
  dir: string;
  log: (line: string) => void;
}

export interface AbuseFigures {
  acknowledged: number;
  consumed: number;
  lost: number;
  framesSent: number;
  connectionsOpened: number;
  /** Hostile connections that ended in an error: the server closed them on a bad frame, or at a limit. */
  connectionsReset: number;
  brokerRssMaxMiB: number;
  brokerRssStartMiB: number;
  brokerAlive: boolean;
  seconds: number;
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** Open a connection from a loopback address of its own and write frames to it, then close. */
function attack(
  port: number,
  from: string,
  frames: Buffer[],
  onOpen: () => void,
  onRefused: () => void,
): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: from });
    socket.on('error', () => resolve());
    socket.on('close', (hadError) => {
      if (hadError) onRefused();
      resolve();
    });
    socket.on('data', () => {});
    socket.on('connect', () => {
      onOpen();
      let i = 0;
      const writeSome = () => {
        // Frames back to back, as a pipelining client would; the server may close at any one.
        while (i < frames.length && socket.writable) if (!socket.write(frames[i++]!)) return;
        socket.end();
      };
      socket.on('drain', writeSome);
      writeSome();
    });
    socket.setTimeout(20_000, () => socket.destroy());
  });
}

/**
 * Hostile clients against a `rocketnest` namesrv and broker while a real producer and consumer
 * work: thousands of connections, mutated frames from the fuzzer's frame generator, the broker's
 * memory sampled. Every acknowledged message must reach the consumer.
 */
export async function hostileClients(options: AbuseOptions): Promise<AbuseFigures> {
  const namesrvPort = await freePort();
  const brokerPort = await freeBrokerPort(new Set([namesrvPort]));
  const namesrvAddr = `127.0.0.1:${namesrvPort}`;
  writeFileSync(join(options.dir, 'namesrv.properties'), `listenPort=${namesrvPort}\nbindAddress=127.0.0.1\n`);
  writeFileSync(
    join(options.dir, 'broker.conf'),
    `brokerIP1=127.0.0.1\nbindAddress=127.0.0.1\nlistenPort=${brokerPort}\nnamesrvAddr=${namesrvAddr}\nstorePathRootDir=${join(options.dir, 'store')}\n`,
  );
  const namesrv = await RocketnestProcess.start(['namesrv', '-c', join(options.dir, 'namesrv.properties')]);
  const broker = await RocketnestProcess.start(['broker', '-c', join(options.dir, 'broker.conf')]);
  const pid = broker.child.pid!;
  const started = performance.now();
  const rssStart = rssMiB(pid);
  let rssMax = rssStart;
  const sampler = setInterval(() => {
    if (!broker.exited) rssMax = Math.max(rssMax, rssMiB(pid));
  }, 100);
  const admin = new Admin({ namesrvAddr, logger: silentLogger });
  const producer = new Producer({ namesrvAddr, producerGroup: 'abuse-producer', logger: silentLogger });
  const consumer = new PushConsumer({
    namesrvAddr,
    consumerGroup: 'abuse-consumer',
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    logger: silentLogger,
  });
  const acknowledged = new Set<string>();
  const consumed = new Set<string>();
  let opened = 0;
  let reset = 0;
  let framesSent = 0;
  try {
    await admin.createTopic('Survives', { queueNums: 4 });
    await producer.start();
    consumer.subscribe('Survives', '*');
    consumer.onMessage((messages) => {
      for (const message of messages) consumed.add(message.body.toString());
    });
    await consumer.start();

    const frameTarget = targets.find((target) => target.name === 'frame')!;
    const perConnection = Math.max(1, Math.ceil(options.frames / options.connections));
    const sending = (async () => {
      for (let i = 0; i < options.messages; i++) {
        const body = `survivor-${i}`;
        const result = await producer.send({ topic: 'Survives', body }).catch(() => undefined);
        if (result?.status === 'SEND_OK') acknowledged.add(body);
      }
    })();
    const attacking = (async () => {
      const batch = 200;
      for (let first = 0; first < options.connections; first += batch) {
        const wave = [];
        for (let c = first; c < Math.min(options.connections, first + batch); c++) {
          const frames = fc.sample(frameTarget.arbitrary as fc.Arbitrary<Buffer>, perConnection);
          framesSent += frames.length;
          const from = `127.0.0.${2 + (c % 8)}`;
          wave.push(
            attack(
              brokerPort,
              from,
              frames,
              () => opened++,
              () => reset++,
            ),
          );
          if (c % 10 === 0)
            wave.push(
              attack(
                namesrvPort,
                from,
                frames.slice(0, 5),
                () => opened++,
                () => reset++,
              ),
            );
        }
        await Promise.all(wave);
        options.log(
          `${Math.min(options.connections, first + batch)} hostile connections, ${framesSent} frames, ${acknowledged.size} acknowledged, broker RSS ${Math.round(rssMax)} MiB`,
        );
      }
    })();
    await Promise.all([sending, attacking]);
    const deadline = Date.now() + 60_000;
    while ([...acknowledged].some((body) => !consumed.has(body)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    clearInterval(sampler);
    await consumer.shutdown(1000).catch(() => {});
    await producer.shutdown().catch(() => {});
    await admin.shutdown().catch(() => {});
  }
  const alive = !broker.exited;
  await broker.stop();
  await namesrv.stop();
  return {
    acknowledged: acknowledged.size,
    consumed: [...acknowledged].filter((body) => consumed.has(body)).length,
    lost: [...acknowledged].filter((body) => !consumed.has(body)).length,
    framesSent,
    connectionsOpened: opened,
    connectionsReset: reset,
    brokerRssMaxMiB: Math.round(rssMax),
    brokerRssStartMiB: Math.round(rssStart),
    brokerAlive: alive,
    seconds: (performance.now() - started) / 1000,
  };
}
