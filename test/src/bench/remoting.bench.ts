/**
 * npm run bench:remoting [-- --duration 5 --inflight 1000 --size 1024 --rate 10000]
 *
 * 1. Codec: encode and decode of one SEND_MESSAGE_V2 frame with its ext fields and body.
 * 2. Throughput: one connection, requests with `size`-byte bodies kept `inflight` at a time,
 *    answered by a server in another process (so the two ends use both cores).
 * 3. Latency: the same connection at a fixed `rate` of requests per second; latency counts from
 *    when each request was due, so a stalled sender shows up as latency rather than hiding.
 */
import { silentLogger } from '@rocketnest/common';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import {
  createRequest,
  createResponse,
  decodeFrame,
  encodeFrame,
  FrameDecoder,
  RequestCode,
  SendMessageRequestHeaderV2,
  SerializeType,
  type RemotingCommand,
} from '@rocketnest/protocol';
import { RemotingClient, RemotingServer } from '@rocketnest/remoting';

const { values: args } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    duration: { type: 'string', default: '5' },
    inflight: { type: 'string', default: '1000' },
    size: { type: 'string', default: '1024' },
    rate: { type: 'string', default: '10000' },
    json: { type: 'boolean', default: false },
    'skip-codec': { type: 'boolean', default: false },
  },
});

function sendRequest(body: Buffer, serializeType: SerializeType = SerializeType.JSON): RemotingCommand {
  return createRequest(RequestCode.SEND_MESSAGE_V2, {
    body,
    serializeType,
    extFields: SendMessageRequestHeaderV2.encode({
      producerGroup: 'BenchProducerGroup',
      topic: 'BenchTopic',
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: 4,
      queueId: 1,
      sysFlag: 0,
      bornTimestamp: Date.now(),
      flag: 0,
      properties: 'UNIQ_KEY\u00017F0000010F2A18B4AAC2755AB3E50000\u0002WAIT\u0001true\u0002TAGS\u0001TagA',
      reconsumeTimes: 0,
      unitMode: false,
      batch: false,
    }),
  });
}

async function serve(): Promise<void> {
  const server = new RemotingServer({ logger: silentLogger });
  let queueOffset = 0;
  server.registerProcessor(RequestCode.SEND_MESSAGE_V2, (request) =>
    createResponse(request, 0, {
      extFields: {
        msgId: '7F00000100002A9F0000000000000000',
        queueId: '1',
        queueOffset: String(queueOffset++),
        MSG_REGION: 'DefaultRegion',
        TRACE_ON: 'true',
      },
    }),
  );
  const { port } = await server.listen();
  process.send!({ port });
  // The parent asks for CPU time used so far, to report the cost of a request on each end.
  process.on('message', () => process.send!(process.cpuUsage()));
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
}

function perOp(
  label: string,
  iterations: number,
  run: () => void,
): { label: string; nsPerOp: number; opsPerSec: number } {
  for (let i = 0; i < Math.min(iterations, 20_000); i++) run(); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) run();
  const ns = Number(process.hrtime.bigint() - start) / iterations;
  return { label, nsPerOp: ns, opsPerSec: 1e9 / ns };
}

function codecBench(size: number) {
  const results = [];
  for (const [name, type] of [
    ['JSON header', SerializeType.JSON],
    ['binary header', SerializeType.ROCKETMQ],
  ] as const) {
    const request = sendRequest(Buffer.alloc(size, 7), type);
    const frame = encodeFrame(request);
    const stream = Buffer.concat(Array.from({ length: 1000 }, () => frame));
    results.push(perOp(`encode, ${name}, ${frame.length}-byte frame`, 200_000, () => encodeFrame(request)));
    results.push(perOp(`decode, ${name}, ${frame.length}-byte frame`, 200_000, () => decodeFrame(frame)));
    const decoder = new FrameDecoder();
    let decoded = 0;
    const batch = perOp(`stream decode of 1000 frames per chunk, ${name}`, 200, () =>
      decoder.push(stream, () => decoded++),
    );
    results.push({ label: batch.label, nsPerOp: batch.nsPerOp / 1000, opsPerSec: batch.opsPerSec * 1000 });
  }
  return results;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function throughput(client: RemotingClient, address: string, body: Buffer, inflight: number, seconds: number) {
  const deadline = performance.now() + seconds * 1000;
  let completed = 0;
  let failed = 0;
  await new Promise<void>((resolve) => {
    let running = 0;
    const next = (): void => {
      if (performance.now() >= deadline) {
        if (--running === 0) resolve();
        return;
      }
      client.invoke(address, sendRequest(body), { timeoutMs: 30_000 }).then(
        () => {
          completed++;
          next();
        },
        () => {
          failed++;
          next();
        },
      );
    };
    for (; running < inflight; running++) next();
  });
  return { requestsPerSec: completed / seconds, completed, failed };
}

async function fixedRate(client: RemotingClient, address: string, body: Buffer, rate: number, seconds: number) {
  const total = rate * seconds;
  const latencies = new Float64Array(total);
  const start = performance.now();
  let sent = 0;
  let done = 0;
  let failed = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      for (; sent < due; sent++) {
        const index = sent;
        const dueAt = start + (index / rate) * 1000;
        client.invoke(address, sendRequest(body), { timeoutMs: 30_000 }).then(
          () => {
            latencies[index] = performance.now() - dueAt;
            if (++done === total) resolve();
          },
          () => {
            failed++;
            latencies[index] = Number.POSITIVE_INFINITY;
            if (++done === total) resolve();
          },
        );
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  const sorted = latencies.slice().sort();
  return {
    achievedRate: total / ((performance.now() - start) / 1000),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1]!,
    failed,
  };
}

async function main(): Promise<void> {
  if (args.serve) return serve();
  const seconds = Number(args.duration);
  const inflight = Number(args.inflight);
  const size = Number(args.size);
  const rate = Number(args.rate);
  const body = Buffer.alloc(size, 7);
  const settings = {
    node: process.version,
    cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
    bodyBytes: size,
    inflight,
    durationSeconds: seconds,
    fixedRatePerSecond: rate,
    serializeType: 'JSON',
    ends: 'client in this process, server in a child process, one loopback connection',
  };

  const codec = args['skip-codec'] ? [] : codecBench(size);

  const child = fork(new URL(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [{ port }] = (await once(child, 'message')) as [{ port: number }];
  const address = `127.0.0.1:${port}`;
  const client = new RemotingClient({ logger: silentLogger });
  await client.connection(address);
  await throughput(client, address, body, inflight, 1); // warm up both ends
  const serverCpu = async () => {
    child.send('cpu');
    const [usage] = (await once(child, 'message')) as [NodeJS.CpuUsage];
    return usage;
  };
  const serverBefore = await serverCpu();
  const clientBefore = process.cpuUsage();
  const run = await throughput(client, address, body, inflight, seconds);
  const clientCpu = process.cpuUsage(clientBefore);
  const serverAfter = await serverCpu();
  const perRequest = (user: number, system: number) =>
    `${(user / run.completed).toFixed(1)} us user + ${(system / run.completed).toFixed(1)} us system`;
  const pipelined = {
    ...run,
    clientCpuPerRequest: perRequest(clientCpu.user, clientCpu.system),
    serverCpuPerRequest: perRequest(serverAfter.user - serverBefore.user, serverAfter.system - serverBefore.system),
  };
  const latency = await fixedRate(client, address, body, rate, seconds);
  await client.close();
  child.disconnect();

  if (args.json) {
    console.log(JSON.stringify({ settings, codec, pipelined, latency }));
    return;
  }
  console.log('RocketNest remoting benchmark');
  console.log(
    `settings: ${Object.entries(settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  );
  console.log('\ncodec (per frame):');
  for (const r of codec)
    console.log(
      `  ${r.label.padEnd(58)} ${r.nsPerOp.toFixed(0).padStart(7)} ns  ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(12)} /s`,
    );
  console.log(`\npipelined request/response, ${size}-byte bodies, ${inflight} in flight, ${seconds} s:`);
  console.log(
    `  ${Math.round(pipelined.requestsPerSec).toLocaleString('en-US')} requests/s (${pipelined.completed} answered, ${pipelined.failed} failed)`,
  );
  console.log(`  CPU per request: client ${pipelined.clientCpuPerRequest}; server ${pipelined.serverCpuPerRequest}`);
  console.log(`\nlatency at a fixed ${rate.toLocaleString('en-US')} requests/s, ${seconds} s:`);
  console.log(
    `  p50 ${latency.p50Ms.toFixed(3)} ms  p99 ${latency.p99Ms.toFixed(3)} ms  max ${latency.maxMs.toFixed(3)} ms  ` +
      `(achieved ${Math.round(latency.achievedRate).toLocaleString('en-US')}/s, ${latency.failed} failed)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
