/**
 * npm run bench:ha [-- --seconds 15 --inflight 1000 --dir /tmp --apache]
 *
 * Replication's cost, measured in one run on this machine: `rocketnest bench producer` (1 KiB
 * single sends) against one broker name in three set-ups, one after another, each on fresh
 * stores: ASYNC_MASTER alone, ASYNC_MASTER with a SLAVE, SYNC_MASTER with a SLAVE. While the load
 * runs, both CommitLogs' ends are sampled every 20 ms: how many bytes the slave is behind, and how
 * long the slave takes to have what the master had at a sample (replication lag in ms). After each
 * run with a slave, the slave is stopped, its store deleted and started again: how fast an empty
 * slave takes the master's newest segment (as RocketMQ's slaves do), in MB/s beside this disk's
 * raw sequential write measured just before. With --apache the same runs are made against Apache
 * RocketMQ 4.9.4 master/slave pairs first, everything in the loopback-only network namespace
 * (needs root and the distribution, support/real-rocketmq.ts). The NameServer, the brokers and the
 * producer share this machine's cores: a slave here takes CPU from its master, which separate
 * machines would not.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '@rocketnest/common';
import { Admin } from '@rocketnest/client';
import { rocketnestArgs } from '../support/cli.js';
import { rawSequentialWrite } from '../support/disk.js';
import { RocketnestProcess } from '../support/local-cluster.js';
import { freeBrokerPort, freePortBut } from '../support/ports.js';
import { NETNS, startApacheBroker, startApacheNamesrv, stopServer, rerunInNetns } from '../support/real-rocketmq.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    inflight: { type: 'string', default: '1000' },
    dir: { type: 'string', default: tmpdir() },
    apache: { type: 'boolean', default: false },
  },
});

type Vendor = 'RocketNest' | 'Apache RocketMQ 4.9.4';
type Stop = () => Promise<unknown>;

interface Ports {
  namesrv: number;
  master: number;
  masterHa: number;
  slave: number;
  slaveHa: number;
}

interface Figures {
  vendor: Vendor;
  setup: string;
  msgPerSec: number;
  lag?: { avgBytes: number; maxBytes: number; p50Ms: number; p99Ms: number; maxMs: number };
  catchUp?: { bytes: number; ms: number; rawMBps: number };
}

/** The producer bench's summary. */
function benchProducer(namesrv: string, seconds: number): Promise<{ msgPerSec: number }> {
  const child = spawn(
    process.execPath,
    rocketnestArgs(
      'bench',
      'producer',
      '-n',
      namesrv,
      '--json',
      '--duration',
      String(seconds),
      '--warmup',
      '3',
      '--inflight',
      args.inflight,
    ),
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.on('exit', () => {
      const line = output.split('\n').find((each) => each.startsWith('{"summary"'));
      if (line) resolve((JSON.parse(line) as { summary: { msgPerSec: number } }).summary);
      else reject(new Error(`the bench printed no summary:\n${output}`));
    }),
  );
}

/** broker.conf lines both vendors read. */
function brokerConf(dir: string, ports: Ports, role: 'ASYNC_MASTER' | 'SYNC_MASTER' | 'SLAVE', vendor: Vendor) {
  const slave = role === 'SLAVE';
  const store = join(dir, slave ? 'slave' : 'master');
  const path = join(dir, slave ? 'slave.conf' : 'master.conf');
  writeFileSync(
    path,
    [
      'brokerClusterName=DefaultCluster',
      'brokerName=broker-a',
      `brokerId=${slave ? 1 : 0}`,
      `brokerRole=${role}`,
      'flushDiskType=ASYNC_FLUSH',
      `namesrvAddr=127.0.0.1:${ports.namesrv}`,
      'brokerIP1=127.0.0.1',
      `listenPort=${slave ? ports.slave : ports.master}`,
      `haListenPort=${slave ? ports.slaveHa : ports.masterHa}`,
      'autoCreateTopicEnable=true',
      `storePathRootDir=${store}`,
      `storePathCommitLog=${join(store, 'commitlog')}`,
      ...(vendor === 'RocketNest' ? ['bindAddress=127.0.0.1'] : []),
      '',
    ].join('\n'),
  );
  return { path, store };
}

async function startBroker(vendor: Vendor, conf: string): Promise<Stop> {
  if (vendor === 'RocketNest') {
    const broker = await RocketnestProcess.start(['broker', '-c', conf]);
    return () => broker.stop();
  }
  const { server } = await startApacheBroker(conf);
  return () => stopServer(server);
}

async function startNamesrv(vendor: Vendor, dir: string, port: number): Promise<Stop> {
  const path = join(dir, 'namesrv.properties');
  writeFileSync(path, `listenPort=${port}\nbindAddress=127.0.0.1\n`);
  if (vendor === 'RocketNest') {
    const namesrv = await RocketnestProcess.start(['namesrv', '-c', path]);
    return () => namesrv.stop();
  }
  const server = await startApacheNamesrv(path);
  return () => stopServer(server);
}

/** Sample both CommitLogs' ends every 20 ms until stopped: bytes behind, and ms to catch up to each sample. */
function sampleLag(admin: Admin, master: string, slave: string): () => Promise<Figures['lag']> {
  const samples: { at: number; master: number; slave: number }[] = [];
  let running = true;
  const maxOffset = async (address: string) => Number((await admin.brokerRuntimeInfo(address))['commitLogMaxOffset']);
  const loop = (async () => {
    while (running) {
      const [m, s] = await Promise.all([maxOffset(master), maxOffset(slave)]).catch(() => [NaN, NaN]);
      if (!Number.isNaN(m)) samples.push({ at: performance.now(), master: m!, slave: s! });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return async () => {
    running = false;
    await loop;
    const behind = samples.map((s) => Math.max(0, s.master - s.slave));
    const ms: number[] = [];
    for (let i = 0, j = 0; i < samples.length; i++) {
      j = Math.max(j, i);
      while (j < samples.length && samples[j]!.slave < samples[i]!.master) j++;
      if (j < samples.length) ms.push(samples[j]!.at - samples[i]!.at);
    }
    ms.sort((a, b) => a - b);
    const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0;
    return {
      avgBytes: behind.reduce((a, b) => a + b, 0) / Math.max(1, behind.length),
      maxBytes: Math.max(0, ...behind),
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: ms.at(-1) ?? 0,
    };
  };
}

async function run(
  vendor: Vendor,
  setup: string,
  role: 'ASYNC_MASTER' | 'SYNC_MASTER',
  withSlave: boolean,
  ports: Ports,
): Promise<Figures> {
  const dir = mkdtempSync(join(args.dir, 'rocketnest-ha-bench-'));
  const stops: Stop[] = [];
  const admin = new Admin({
    namesrvAddr: `127.0.0.1:${ports.namesrv}`,
    logger: silentLogger,
    requestTimeoutMs: 30_000,
  });
  try {
    stops.push(await startNamesrv(vendor, dir, ports.namesrv));
    stops.push(await startBroker(vendor, brokerConf(dir, ports, role, vendor).path));
    const master = `127.0.0.1:${ports.master}`;
    const slave = `127.0.0.1:${ports.slave}`;
    const slaveConf = brokerConf(dir, ports, 'SLAVE', vendor);
    let stopSlave: Stop | undefined;
    if (withSlave) {
      stopSlave = await startBroker(vendor, slaveConf.path);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    console.log(`${vendor}, ${setup}: producing for ${args.seconds} s...`);
    const lag = withSlave ? sampleLag(admin, master, slave) : undefined;
    const { msgPerSec } = await benchProducer(`127.0.0.1:${ports.namesrv}`, Number(args.seconds));
    if (!lag || !stopSlave) return { vendor, setup, msgPerSec };
    const lagFigures = await lag();

    // An empty slave against the master as the load left it.
    await stopSlave();
    rmSync(slaveConf.store, { recursive: true, force: true });
    const rawMBps = rawSequentialWrite(dir, 512 * 1024 * 1024);
    const target = Number((await admin.brokerRuntimeInfo(master))['commitLogMaxOffset']);
    stopSlave = await startBroker(vendor, slaveConf.path);
    const from = performance.now();
    const slaveInfo = async () => admin.brokerRuntimeInfo(slave).catch(() => ({}) as Record<string, string>);
    while (Number((await slaveInfo())['commitLogMaxOffset'] ?? 0) < target) {
      if (performance.now() - from > 300_000) throw new Error(`${vendor}: the empty slave did not catch up in 5 min`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const ms = performance.now() - from;
    const bytes = target - Number((await slaveInfo())['commitLogMinOffset'] ?? 0);
    stops.push(stopSlave);
    return { vendor, setup, msgPerSec, lag: lagFigures, catchUp: { bytes, ms, rawMBps } };
  } finally {
    await admin.shutdown();
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function vendorRuns(vendor: Vendor, ports: Ports): Promise<Figures[]> {
  return [
    await run(vendor, 'ASYNC_MASTER alone', 'ASYNC_MASTER', false, ports),
    await run(vendor, 'ASYNC_MASTER + SLAVE', 'ASYNC_MASTER', true, ports),
    await run(vendor, 'SYNC_MASTER + SLAVE', 'SYNC_MASTER', true, ports),
  ];
}

function report(results: Figures[]): void {
  console.log(
    `\nbench:ha: rocketnest bench producer, 1 KiB single sends, ${args.inflight} in flight, ${args.seconds} s (3 s warm-up) per set-up, ` +
      `ASYNC_FLUSH, lag sampled every 20 ms, everything on this machine${args.apache ? ` in netns ${NETNS}` : ''}: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}`,
  );
  console.log(
    'vendor                  set-up                    msg/s  vs alone  lag avg/max KiB   lag p50/p99/max ms   empty slave catch-up',
  );
  for (const r of results) {
    const alone = results.find((a) => a.vendor === r.vendor && a.setup === 'ASYNC_MASTER alone')!.msgPerSec;
    const lag = r.lag ? `${(r.lag.avgBytes / 1024).toFixed(0)}/${(r.lag.maxBytes / 1024).toFixed(0)}` : '';
    const lagMs = r.lag ? `${r.lag.p50Ms.toFixed(0)}/${r.lag.p99Ms.toFixed(0)}/${r.lag.maxMs.toFixed(0)}` : '';
    const catchUp = r.catchUp
      ? `${(r.catchUp.bytes / 1e6).toFixed(0)} MB at ${(r.catchUp.bytes / 1e6 / (r.catchUp.ms / 1000)).toFixed(0)} MB/s (disk ${r.catchUp.rawMBps.toFixed(0)} MB/s)`
      : '';
    console.log(
      `${r.vendor.padEnd(23)} ${r.setup.padEnd(22)} ${r.msgPerSec.toFixed(0).padStart(9)} ${`${((r.msgPerSec / alone) * 100).toFixed(0)}%`.padStart(9)} ${lag.padStart(16)} ${lagMs.padStart(20)}   ${catchUp}`,
    );
  }
}

async function main(): Promise<void> {
  if (args.apache) {
    // Apache RocketMQ listens on every interface: this runs inside the loopback-only namespace.
    const outside = rerunInNetns(import.meta.url);
    if (outside !== undefined) process.exit(outside);
  }
  const taken = new Set<number>();
  // In the namespace RocketMQ's own ports are free; outside, ports free now.
  const ports: Ports = args.apache
    ? { namesrv: 9876, master: 10911, masterHa: 10912, slave: 11911, slaveHa: 11912 }
    : {
        namesrv: await freePortBut(taken),
        master: await freeBrokerPort(taken),
        masterHa: await freePortBut(taken),
        slave: await freeBrokerPort(taken),
        slaveHa: await freePortBut(taken),
      };
  const results = [
    ...(args.apache ? await vendorRuns('Apache RocketMQ 4.9.4', ports) : []),
    ...(await vendorRuns('RocketNest', ports)),
  ];
  report(results);
}

await main();
