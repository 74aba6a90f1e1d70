/**
 * npm run bench:side-by-side [-- --producer-seconds 45 --single-seconds 30 --consumer-seconds 20]
 *
 * Apache RocketMQ 4.9.4's Java benchmark Producer (1 KiB, 64 threads, then 1 thread) and
 * Consumer against Apache RocketMQ's own NameServer and broker, then against ours, one broker at
 * a time, all in one network namespace with only loopback (shared/interop/real-rocketmq.md):
 * send TPS (the mean of the per-10 s lines after the first, so the client's JIT has warmed),
 * consume TPS, the broker's peak RSS, and its start-up time (spawn to boot line). Needs root
 * (ip netns) and the distribution under RMQ (default /tmp/rmq). Never in CI.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  brokerConf,
  CLASSPATH,
  ensureNetns,
  NETNS,
  requireDistribution,
  RMQ,
  startApacheBroker,
  startApacheNamesrv,
  startInNetns,
  stopServer,
  type Server,
} from '../support/real-rocketmq.js';
import { rocketnestArgs } from '../support/cli.js';

const { values: args } = parseArgs({
  options: {
    'producer-seconds': { type: 'string', default: '45' },
    'single-seconds': { type: 'string', default: '30' },
    'consumer-seconds': { type: 'string', default: '20' },
  },
});
const NAMESRV = '127.0.0.1:9876';

/** The pid of the broker process itself (ip netns exec execs it, so it is the child's pid). */
function rssMB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Run a Java client in the namespace for `seconds` (asynchronously, so that RSS sampling goes on). */
function javaClient(mainClass: string, clientArgs: string[], seconds: number): Promise<string> {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      NETNS,
      'timeout',
      String(seconds),
      'java',
      '-Xmx512m',
      `-Duser.home=${join(RMQ, 'home')}`,
      '-cp',
      CLASSPATH,
      mainClass,
      ...clientArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('close', () => resolve(output)));
}

/** Mean of the TPS figures after the first line (the client's JIT warm-up). */
function meanTps(output: string, pattern: RegExp): { tps: number; lines: number } {
  const figures = [...output.matchAll(pattern)].map((m) => Number(m[1]));
  const warm = figures.length > 1 ? figures.slice(1) : figures;
  return { tps: warm.length ? warm.reduce((a, b) => a + b, 0) / warm.length : 0, lines: figures.length };
}

interface Figures {
  broker: string;
  startMs: number;
  send64: number;
  send1: number;
  consume: number;
  peakRssMB: number;
}

async function series(
  name: string,
  startNamesrv: () => Promise<Server>,
  startBroker: () => Promise<{ server: Server; startMs: number }>,
): Promise<Figures> {
  const namesrv = await startNamesrv();
  const { server: broker, startMs } = await startBroker();
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMB(broker.child.pid!))), 250);
  try {
    console.log(`${name}: broker up in ${startMs.toFixed(0)} ms; Producer, 64 threads...`);
    const producerSeconds = Number(args['producer-seconds']);
    const send = /Send TPS: (\d+)/g;
    const p64 = await javaClient(
      'org.apache.rocketmq.example.benchmark.Producer',
      ['-n', NAMESRV, '-t', 'BenchTopic', '-s', '1024', '-w', '64'],
      producerSeconds,
    );
    const send64 = meanTps(p64, send);
    console.log(`${name}: Producer, 1 thread...`);
    const p1 = await javaClient(
      'org.apache.rocketmq.example.benchmark.Producer',
      ['-n', NAMESRV, '-t', 'BenchTopic1', '-s', '1024', '-w', '1'],
      Number(args['single-seconds']),
    );
    const send1 = meanTps(p1, send);
    console.log(`${name}: Consumer...`);
    const c = await javaClient(
      'org.apache.rocketmq.example.benchmark.Consumer',
      ['-n', NAMESRV, '-t', 'BenchTopic', '-g', `bench_${Date.now()}`],
      Number(args['consumer-seconds']),
    );
    // The consumer's first line may fall before it has a queue: take the best 10 s window.
    const consumed = [...c.matchAll(/TPS: (\d+) FAIL/g)].map((m) => Number(m[1]));
    return {
      broker: name,
      startMs,
      send64: send64.tps,
      send1: send1.tps,
      consume: consumed.length ? Math.max(...consumed) : 0,
      peakRssMB: peak,
    };
  } finally {
    clearInterval(sampler);
    await stopServer(broker);
    await stopServer(namesrv);
  }
}

async function main(): Promise<void> {
  requireDistribution();
  ensureNetns();
  const work = join(RMQ, 'side-by-side');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'namesrv.properties'), 'listenPort=9876\n');
  writeFileSync(
    join(work, 'apache-broker.conf'),
    brokerConf(join(work, 'apache-store'), ['enablePropertyFilter=true']),
  );
  writeFileSync(
    join(work, 'rocketnest-broker.conf'),
    brokerConf(join(work, 'rocketnest-store'), ['bindAddress=127.0.0.1']),
  );
  const results: Figures[] = [];
  results.push(
    await series(
      'Apache RocketMQ 4.9.4',
      () => startApacheNamesrv(join(work, 'namesrv.properties')),
      () => startApacheBroker(join(work, 'apache-broker.conf')),
    ),
  );
  writeFileSync(join(work, 'namesrv-rn.properties'), 'listenPort=9876\nbindAddress=127.0.0.1\n');
  results.push(
    await series(
      'RocketNest',
      async () =>
        (
          await startInNetns(
            process.execPath,
            rocketnestArgs('namesrv', '-c', join(work, 'namesrv-rn.properties')),
            /boot success/,
          )
        ).server,
      () =>
        startInNetns(
          process.execPath,
          rocketnestArgs('broker', '-c', join(work, 'rocketnest-broker.conf')),
          /boot success/,
        ),
    ),
  );
  rmSync(work, { recursive: true, force: true });
  console.log(
    `\nside by side: Java benchmark Producer/Consumer 4.9.4, 1 KiB bodies, ASYNC_FLUSH, one broker at a time in netns ${NETNS}; ` +
      `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}; Apache with -Xms256m -Xmx256m; ` +
      `producer ${args['producer-seconds']} s (64 threads), ${args['single-seconds']} s (1 thread), consumer ${args['consumer-seconds']} s`,
  );
  console.log('broker                  start-up   send TPS 64 thr   send TPS 1 thr   consume TPS   peak RSS');
  for (const r of results) {
    console.log(
      `${r.broker.padEnd(22)} ${`${r.startMs.toFixed(0)} ms`.padStart(9)} ${r.send64.toFixed(0).padStart(17)} ${r.send1.toFixed(0).padStart(16)} ${r.consume.toFixed(0).padStart(13)} ${`${r.peakRssMB.toFixed(0)} MB`.padStart(10)}`,
    );
  }
  const [apache, ours] = results as [Figures, Figures];
  console.log(
    `ratio (RocketNest / Apache): send 64 threads ${(ours.send64 / apache.send64).toFixed(2)}x, 1 thread ${(ours.send1 / apache.send1).toFixed(2)}x`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
