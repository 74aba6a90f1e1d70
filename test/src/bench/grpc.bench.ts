/**
 * npm run bench:grpc [-- --seconds 20 --size 1024 --inflight 128 --rate 500]
 *
 * RocketMQ 5's gRPC beside remoting, in one run against one `rocketnest namesrv` and one
 * `rocketnest broker` (its gRPC service on a free port): each protocol's producer as fast as its
 * in-flight limit allows (`rocketnest bench producer --protocol remoting|grpc`), each one's
 * consumer draining the same backlog with a new group, then end-to-end latency with a paced
 * producer and a consumer reading from the end, both of the protocol measured. The gRPC client is
 * Apache's v5 Node client (rocketmq-client-nodejs), which acknowledges each message with a call.
 * Prints each figure with its settings, then the table. Never in CI.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rocketnestArgs } from '../support/cli.js';
import { RocketnestProcess } from '../support/local-cluster.js';
import { freeBrokerPort, freePortBut } from '../support/ports.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    size: { type: 'string', default: '1024' },
    inflight: { type: 'string', default: '128' },
    rate: { type: 'string', default: '500' },
  },
});

interface Summary {
  msgPerSec: number;
  mbPerSec: number;
  p50Ms: number;
  p99Ms: number;
  messages: number;
  errors: number;
}

/** `rocketnest bench ...args --json` for at most seconds + 30; its summary. */
function bench(benchArgs: string[]): Promise<Summary> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, rocketnestArgs('bench', ...benchArgs, '--json'), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), (Number(args.seconds) + 60) * 1000);
    child.on('exit', (code) => {
      clearTimeout(killer);
      const line = output.split('\n').find((each) => each.startsWith('{"summary"'));
      if (code !== 0 || !line)
        reject(new Error(`rocketnest bench ${benchArgs.join(' ')} failed (${code}):\n${output}`));
      else {
        const { summary } = JSON.parse(line) as { summary: Summary };
        console.log(`bench ${benchArgs.join(' ')}\n  ${JSON.stringify(summary)}`);
        resolve(summary);
      }
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'rocketnest-grpc-bench-'));
const servers: RocketnestProcess[] = [];
try {
  const taken = new Set<number>();
  const namesrvPort = await freePortBut(taken);
  const brokerPort = await freeBrokerPort(taken);
  const grpcPort = await freePortBut(taken);
  writeFileSync(join(dir, 'namesrv.properties'), `listenPort=${namesrvPort}\nbindAddress=127.0.0.1\n`);
  writeFileSync(
    join(dir, 'broker.conf'),
    [
      'brokerIP1=127.0.0.1',
      'bindAddress=127.0.0.1',
      `listenPort=${brokerPort}`,
      `grpcServerPort=${grpcPort}`,
      `namesrvAddr=127.0.0.1:${namesrvPort}`,
      `storePathRootDir=${join(dir, 'store')}`,
      '',
    ].join('\n'),
  );
  servers.push(await RocketnestProcess.start(['namesrv', '-c', join(dir, 'namesrv.properties')]));
  servers.push(await RocketnestProcess.start(['broker', '-c', join(dir, 'broker.conf')]));
  const target = {
    remoting: ['-n', `127.0.0.1:${namesrvPort}`],
    grpc: ['--protocol', 'grpc', '--endpoints', `127.0.0.1:${grpcPort}`, '-n', `127.0.0.1:${namesrvPort}`],
  };
  const seconds = ['--duration', args.seconds, '--warmup', '3'];
  const rows: Record<string, Record<string, string>> = { remoting: {}, grpc: {} };
  for (const protocol of ['remoting', 'grpc'] as const) {
    const topic = `Bench_${protocol}`;
    const sent = await bench([
      'producer',
      ...target[protocol],
      '--topic',
      topic,
      '--size',
      args.size,
      '--inflight',
      args.inflight,
      ...seconds,
    ]);
    rows[protocol]!['send msg/s'] = Math.round(sent.msgPerSec).toLocaleString('en-US');
    rows[protocol]!['send p99 ms'] = sent.p99Ms.toFixed(2);
    // Both protocols' consumers drain the backlog the remoting producer left, with new groups.
    const drained = await bench([
      'consumer',
      ...target[protocol],
      '--topic',
      'Bench_remoting',
      '--group',
      `drain_${protocol}_${Date.now()}`,
      // No warm-up: a fast drain may be over within it; rates count the seconds with traffic only.
      '--duration',
      args.seconds,
    ]);
    rows[protocol]!['receive msg/s'] = Math.round(drained.msgPerSec).toLocaleString('en-US');
    const latencyTopic = `Latency_${protocol}`;
    const group = `latency_${protocol}_${Date.now()}`;
    const [, latency] = await Promise.all([
      new Promise((resolve) => setTimeout(resolve, 2000)).then(() =>
        bench([
          'producer',
          ...target[protocol],
          '--topic',
          latencyTopic,
          '--rate',
          args.rate,
          '--size',
          args.size,
          ...seconds,
        ]),
      ),
      bench([
        'consumer',
        ...target[protocol],
        '--topic',
        latencyTopic,
        '--group',
        group,
        '--from',
        'last',
        '--duration',
        String(Number(args.seconds) + 4),
        '--warmup',
        '5',
        // Eight receives at once: each v5 receive and each ack is a call of its own, and 64 of them
        // at a thousand messages a second take the two cores here.
        '--concurrency',
        '8',
      ]),
    ]);
    rows[protocol]!['e2e p50 ms'] = latency.p50Ms.toFixed(2);
    rows[protocol]!['e2e p99 ms'] = latency.p99Ms.toFixed(2);
  }
  console.log(
    `\nRocketNest, one broker, ${args.size} B bodies; producers ${args.inflight} in flight for ${args.seconds} s ` +
      `(3 s warm-up); consumers (64 receives of 32 at once) drain the remoting producer's backlog; ` +
      `end-to-end latency at ${args.rate} msg/s with 8 receives at once, 5 s warm-up:`,
  );
  console.table(rows);
} finally {
  for (const server of servers.reverse()) await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
