/**
 * npm run bench:side-by-side [-- --producer-seconds 45 --single-seconds 30 --consumer-seconds 20
 *                               --batch-seconds 40]
 *
 * Apache RocketMQ 4.9.4's Java benchmark Producer (1 KiB, 64 threads, then 1 thread),
 * BatchProducer (32 messages a batch, 64 threads) and Consumer against Apache RocketMQ's own
 * NameServer and broker, then against ours, one broker at a time, all in one network namespace
 * with only loopback (support/real-rocketmq.ts): send TPS (the mean of the per-10 s lines
 * after the first, so the client's JIT has warmed), consume TPS, the broker's peak RSS (all of
 * it and its anonymous part), and its
 * start-up time (spawn to boot line). Then `rocketnest bench producer` against the same broker,
 * single sends (1,000 in flight) and batches of 32 (128 in flight), with the broker's CPU time
 * per message: what one broker design costs beside the other on the same two cores, client
 * included. Needs root (ip netns) and the distribution under RMQ (default /tmp/rmq). Never in CI.
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
    'batch-seconds': { type: 'string', default: '40' },
  },
});
const NAMESRV = '127.0.0.1:9876';

/**
 * The broker's resident memory in MB, all of it and its anonymous part (heap, stacks, direct
 * buffers): a broker that maps its CommitLog, as RocketMQ does, counts the mapped page cache in
 * VmRSS, so the anonymous part is what it costs beside the page cache any store uses. The pid is
 * the broker process itself (ip netns exec execs it, so it is the child's pid).
 */
function rssMB(pid: number): { rss: number; anon: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { rss: kib('VmRSS') / 1024, anon: kib('RssAnon') / 1024 };
  } catch {
    return { rss: 0, anon: 0 };
  }
}

/** User plus system CPU seconds the process has used so far (fields 14 and 15 of /proc/pid/stat). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  // After the command's closing parenthesis, utime and stime are the 12th and 13th fields, in
  // clock ticks (USER_HZ, 100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Run a client command in the namespace for at most `seconds` (asynchronously, so that RSS
 * sampling goes on); `onLine` sees each line of its output as it comes.
 */
function clientInNetns(command: string[], seconds: number, onLine?: (line: string) => void): Promise<string> {
  const child = spawn('ip', ['netns', 'exec', NETNS, 'timeout', String(seconds), ...command], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) onLine?.(line);
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('close', () => resolve(output)));
}

function javaClient(mainClass: string, clientArgs: string[], seconds: number): Promise<string> {
  return clientInNetns(
    ['java', '-Xmx512m', `-Duser.home=${join(RMQ, 'home')}`, '-cp', CLASSPATH, mainClass, ...clientArgs],
    seconds,
  );
}

/** Mean of the TPS figures after the first line (the client's JIT warm-up). */
function meanTps(output: string, pattern: RegExp): { tps: number; lines: number } {
  const figures = [...output.matchAll(pattern)].map((m) => Number(m[1]));
  const warm = figures.length > 1 ? figures.slice(1) : figures;
  return { tps: warm.length ? warm.reduce((a, b) => a + b, 0) / warm.length : 0, lines: figures.length };
}

interface RocketnestFigures {
  /** The bench's summary (the seconds after its warm-up). */
  msgPerSec: number;
  /** Broker CPU (user + system) per message over the seconds after the warm-up but the last. */
  brokerCpuUsPerMsg: number;
}

/** Our bench producer against the broker, 3 s of warm-up, with the broker's CPU per message. */
async function rocketnestBench(brokerPid: number, benchArgs: string[], seconds: number): Promise<RocketnestFigures> {
  const warmup = 3;
  let cpuFrom = 0;
  let cpuTo = 0;
  let messages = 0;
  // Per-second lines: CPU is read when line `warmup` arrives and again at line `seconds - 1`, and
  // the messages of the lines between are counted, so both cover the same steady seconds.
  const output = await clientInNetns(
    [
      process.execPath,
      ...rocketnestArgs(
        'bench',
        'producer',
        '-n',
        NAMESRV,
        '--json',
        '--duration',
        String(seconds),
        '--warmup',
        String(warmup),
        ...benchArgs,
      ),
    ],
    seconds + 30,
    (line) => {
      if (!line.startsWith('{"second"')) return;
      const { second, msgPerSec } = JSON.parse(line) as { second: number; msgPerSec: number };
      if (second === warmup) cpuFrom = cpuSeconds(brokerPid);
      if (second > warmup && second <= seconds - 1) messages += msgPerSec;
      if (second === seconds - 1) cpuTo = cpuSeconds(brokerPid);
    },
  );
  const summaryLine = output.split('\n').find((line) => line.startsWith('{"summary"'));
  if (!summaryLine || cpuTo === 0 || messages === 0)
    throw new Error(`rocketnest bench producer ${benchArgs.join(' ')} did not run its course:\n${output}`);
  const { summary } = JSON.parse(summaryLine) as { summary: { msgPerSec: number } };
  return { msgPerSec: summary.msgPerSec, brokerCpuUsPerMsg: ((cpuTo - cpuFrom) * 1e6) / messages };
}

interface Figures {
  broker: string;
  startMs: number;
  send64: number;
  send1: number;
  batchMps: number;
  consume: number;
  peakRssMB: number;
  peakAnonMB: number;
  oursSingle: RocketnestFigures;
  oursBatch: RocketnestFigures;
}

async function series(
  name: string,
  startNamesrv: () => Promise<Server>,
  startBroker: () => Promise<{ server: Server; startMs: number }>,
): Promise<Figures> {
  const namesrv = await startNamesrv();
  const { server: broker, startMs } = await startBroker();
  let peak = 0;
  let peakAnon = 0;
  const sampler = setInterval(() => {
    const { rss, anon } = rssMB(broker.child.pid!);
    peak = Math.max(peak, rss);
    peakAnon = Math.max(peakAnon, anon);
  }, 250);
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
    // The Consumer (a new group, CONSUME_FROM_LAST_OFFSET) reads BenchTopic from its start only
    // while the CommitLog behind it is "in memory" (40% of RAM): it runs before the batch runs
    // write gigabytes more.
    console.log(`${name}: Consumer...`);
    const c = await javaClient(
      'org.apache.rocketmq.example.benchmark.Consumer',
      ['-n', NAMESRV, '-t', 'BenchTopic', '-g', `bench_${Date.now()}`],
      Number(args['consumer-seconds']),
    );
    // The consumer's first line may fall before it has a queue: take the best 10 s window.
    const consumed = [...c.matchAll(/TPS: (\d+) FAIL/g)].map((m) => Number(m[1]));
    console.log(`${name}: BatchProducer, 32 a batch, 64 threads...`);
    const batchSeconds = Number(args['batch-seconds']);
    const pb = await javaClient(
      'org.apache.rocketmq.example.benchmark.BatchProducer',
      ['-n', NAMESRV, '-t', 'BenchTopicBatch', '-s', '1024', '-b', '32', '-w', '64'],
      batchSeconds,
    );
    const batchMps = meanTps(pb, /Send MPS: (\d+)/g);
    const brokerPid = broker.child.pid!;
    console.log(`${name}: rocketnest bench producer, single sends...`);
    const oursSingle = await rocketnestBench(brokerPid, ['--inflight', '1000'], batchSeconds);
    console.log(`${name}: rocketnest bench producer, batches of 32...`);
    const oursBatch = await rocketnestBench(brokerPid, ['--batch', '32', '--inflight', '128'], batchSeconds);
    return {
      broker: name,
      startMs,
      send64: send64.tps,
      send1: send1.tps,
      batchMps: batchMps.tps,
      oursSingle,
      oursBatch,
      consume: consumed.length ? Math.max(...consumed) : 0,
      peakRssMB: peak,
      peakAnonMB: peakAnon,
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
      `producer ${args['producer-seconds']} s (64 threads), ${args['single-seconds']} s (1 thread), consumer ${args['consumer-seconds']} s, ` +
      `BatchProducer and rocketnest bench ${args['batch-seconds']} s each`,
  );
  console.log(
    'broker                  start-up   send TPS 64 thr   send TPS 1 thr   consume TPS   peak RSS (anonymous)',
  );
  for (const r of results) {
    console.log(
      `${r.broker.padEnd(22)} ${`${r.startMs.toFixed(0)} ms`.padStart(9)} ${r.send64.toFixed(0).padStart(17)} ${r.send1.toFixed(0).padStart(16)} ${r.consume.toFixed(0).padStart(13)} ${`${r.peakRssMB.toFixed(0)} MB (${r.peakAnonMB.toFixed(0)} MB)`.padStart(21)}`,
    );
  }
  console.log(
    '\nbroker                  BatchProducer MPS   rocketnest bench single msg/s (broker CPU/msg)   batch 32 msg/s (broker CPU/msg)',
  );
  const perMessage = (r: RocketnestFigures) => `${r.msgPerSec.toFixed(0)} (${r.brokerCpuUsPerMsg.toFixed(1)} us)`;
  for (const r of results) {
    console.log(
      `${r.broker.padEnd(22)} ${r.batchMps.toFixed(0).padStart(19)} ${perMessage(r.oursSingle).padStart(48)} ${perMessage(r.oursBatch).padStart(33)}`,
    );
  }
  const [apache, ours] = results as [Figures, Figures];
  console.log(
    `ratio (RocketNest / Apache): send 64 threads ${(ours.send64 / apache.send64).toFixed(2)}x, 1 thread ${(ours.send1 / apache.send1).toFixed(2)}x, ` +
      `BatchProducer ${(ours.batchMps / apache.batchMps).toFixed(2)}x, rocketnest bench single ${(ours.oursSingle.msgPerSec / apache.oursSingle.msgPerSec).toFixed(2)}x, ` +
      `batch ${(ours.oursBatch.msgPerSec / apache.oursBatch.msgPerSec).toFixed(2)}x`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
