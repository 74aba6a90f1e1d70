/**
 * npm run bench:store [-- --duration 2 --recovery-gib 1 --memory-messages 10000000 --dir /tmp]
 *
 * 1. Raw sequential write speed of the disk under --dir (1 MiB writes, then fsync), measured again
 *    before each group of append runs, which are compared with it.
 * 2. Appends per second and MB/s (message bodies) for 128 B, 1 KiB and 16 KiB messages under
 *    ASYNC_FLUSH (writes on the event loop, then on the pool: transientStorePoolEnable) and
 *    SYNC_FLUSH with 1, 16 and 256 concurrent appenders, each for --duration s; after the
 *    ASYNC_FLUSH runs of each size, the floor: 256 appenders against a bare append (see
 *    bareAppendRun), the most any store could reach here.
 * 3. Recovery after a crash of a store holding --recovery-gib GiB of 1 KiB messages.
 * 4. Memory (RSS after GC) of a process that stored --memory-messages 128-byte messages.
 * --part recovery or --part memory runs one part alone.
 */
import { silentLogger } from '@rocketnest/common';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bodyCrc, type MessageToStore } from '@rocketnest/protocol';
import { DefaultMessageStore, type FlushDiskType } from '@rocketnest/store';
import { rawSequentialWrite } from '../support/disk.js';
import { storeMessage } from '../support/store-message.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '2' },
    'recovery-gib': { type: 'string', default: '1' },
    'memory-messages': { type: 'string', default: '10000000' },
    dir: { type: 'string', default: tmpdir() },
    part: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

/** A message as a producer sends it: a unique id, a key and a tag (properties arrive encoded). */
function message(body: Buffer, seq: number): MessageToStore {
  const uniqKey = `7F000001000030946E09685E${seq.toString(16).padStart(8, '0').toUpperCase()}`;
  return storeMessage(
    'BenchTopic',
    seq % 8,
    body,
    `UNIQ_KEY\u0001${uniqKey}\u0002KEYS\u0001key-${seq}\u0002TAGS\u0001TagA\u0002WAIT\u0001true\u0002`,
  );
}

/** `concurrency` appenders, each awaiting append of a fresh message of `size` bytes, for `seconds`. */
async function driveAppends(
  size: number,
  concurrency: number,
  seconds: number,
  append: (message: MessageToStore) => Promise<void>,
) {
  const body = Buffer.alloc(size, 7);
  const deadline = performance.now() + seconds * 1000;
  let appended = 0;
  let seq = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await append(message(body, seq++));
        appended++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { appendsPerSec: appended / elapsed, mbPerSec: (appended * size) / elapsed / 1e6 };
}

async function appendRun(
  dir: string,
  flushDiskType: FlushDiskType,
  transientStorePoolEnable: boolean,
  size: number,
  concurrency: number,
  seconds: number,
) {
  const root = mkdtempSync(join(dir, 'rocketnest-bench-'));
  const store = new DefaultMessageStore(
    { storePathRootDir: root, flushDiskType, transientStorePoolEnable },
    { logger: silentLogger },
  );
  await store.start();
  const rate = await driveAppends(size, concurrency, seconds, async (m) => {
    const result = await store.putMessage(m);
    if (result.status !== 'PUT_OK') throw new Error(`${result.status}: ${result.error}`);
  });
  await store.shutdown();
  rmSync(root, { recursive: true, force: true });
  return {
    flushDiskType,
    transientStorePoolEnable,
    size,
    concurrency,
    ...rate,
    fsyncs: store.commitLogFsyncs,
  };
}

/**
 * The floor under any store's appends on this machine, for scale: the same appenders and
 * messages against an append that does only what every append must (the body's CRC, a copy of
 * body and properties into memory, one write of each round to the page cache, and a promise
 * answered at the round's end), without a record layout, ConsumeQueues or an index.
 */
async function bareAppendRun(dir: string, size: number, concurrency: number, seconds: number) {
  const path = join(dir, 'bare-append');
  const fd = openSync(path, 'w');
  const slab = Buffer.allocUnsafe(64 * 1024 * 1024);
  let used = 0;
  let waiting: (() => void)[] = [];
  const endRound = () => {
    writeSync(fd, slab, 0, used);
    used = 0;
    const answered = waiting;
    waiting = [];
    for (const answer of answered) answer();
  };
  const append = (message: MessageToStore) =>
    new Promise<void>((resolve) => {
      slab.writeInt32BE(bodyCrc(message.body), used);
      slab.set(message.body, used + 4);
      used += 4 + message.body.length;
      used += slab.write(message.properties, used);
      if (waiting.push(resolve) === 1) setImmediate(endRound);
    });
  const rate = await driveAppends(size, concurrency, seconds, append);
  closeSync(fd);
  rmSync(path);
  return rate;
}

async function recovery(dir: string, gib: number) {
  const root = mkdtempSync(join(dir, 'rocketnest-recovery-'));
  const store = new DefaultMessageStore({ storePathRootDir: root }, { logger: silentLogger });
  await store.start();
  const body = Buffer.alloc(1024, 7);
  const target = gib * 1024 ** 3;
  let seq = 0;
  while (store.getMaxPhyOffset() < target) {
    const batch = [];
    for (let i = 0; i < 256; i++) batch.push(store.putMessage(message(body, seq++)));
    await Promise.all(batch);
  }
  // A crash: the abort file stays, nothing is flushed or persisted beyond what the services did.
  const crashed = new DefaultMessageStore({ storePathRootDir: root }, { logger: silentLogger });
  const started = performance.now();
  await crashed.start();
  const ms = performance.now() - started;
  const ok = crashed.getMaxPhyOffset() === store.getMaxPhyOffset();
  await crashed.shutdown();
  rmSync(root, { recursive: true, force: true });
  return { storeBytes: store.getMaxPhyOffset(), messages: seq, recoveryMs: ms, recoveredEverything: ok };
}

/** Run in a child process so that its RSS is the store's, not the benchmark's. */
async function memoryPart(dir: string, count: number) {
  const root = mkdtempSync(join(dir, 'rocketnest-memory-'));
  const store = new DefaultMessageStore({ storePathRootDir: root }, { logger: silentLogger });
  await store.start();
  const body = Buffer.alloc(128, 7);
  for (let seq = 0; seq < count;) {
    const batch = [];
    for (let i = 0; i < 1024 && seq < count; i++) batch.push(store.putMessage(message(body, seq++)));
    await Promise.all(batch);
  }
  (globalThis as { gc?: () => void }).gc?.();
  const rss = process.memoryUsage().rss;
  const stored = store.getMaxPhyOffset();
  await store.shutdown();
  rmSync(root, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ messages: count, storeBytes: stored, rssMB: rss / 1024 / 1024 }));
}

async function main(): Promise<void> {
  const dir = args.dir!;
  if (args.part === 'memory') return memoryPart(dir, Number(args['memory-messages']));
  if (args.part === 'recovery') {
    console.log(JSON.stringify(await recovery(dir, Number(args['recovery-gib']))));
    return;
  }
  const seconds = Number(args.duration);
  const settings = {
    node: process.version,
    cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
    dir,
    durationSeconds: seconds,
    segment: '1 GiB (default)',
  };
  console.log('RocketNest store benchmark');
  console.log(
    `settings: ${Object.entries(settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  );
  // A virtual disk's speed changes with its host's load, so each group of runs is compared with
  // the raw speed measured just before it.
  console.log(
    '\nappends (message body bytes), each group after a raw sequential write (1 MiB writes, 512 MiB, then fsync):',
  );
  const runs = [];
  const floors = [];
  // ASYNC_FLUSH also with its writes on the pool (transientStorePoolEnable), faster when a core is free.
  const modes = [
    { flushDiskType: 'ASYNC_FLUSH', pool: false },
    { flushDiskType: 'ASYNC_FLUSH', pool: true },
    { flushDiskType: 'SYNC_FLUSH', pool: false },
  ] as const;
  for (const { flushDiskType, pool } of modes) {
    for (const size of [128, 1024, 16384]) {
      const rawMBps = rawSequentialWrite(dir, 512 * 1024 * 1024);
      console.log(`  raw sequential write: ${rawMBps.toFixed(0)} MB/s`);
      for (const concurrency of [1, 16, 256]) {
        const run = { ...(await appendRun(dir, flushDiskType, pool, size, concurrency, seconds)), rawMBps };
        runs.push(run);
        console.log(
          `  ${(flushDiskType + (pool ? '+pool' : '')).padEnd(16)} ${String(size).padStart(5)} B x ${String(concurrency).padStart(3)} appenders: ` +
            `${Math.round(run.appendsPerSec).toLocaleString('en-US').padStart(9)} appends/s ${run.mbPerSec.toFixed(1).padStart(7)} MB/s ` +
            `(${((run.mbPerSec / rawMBps) * 100).toFixed(0)}% of raw; ${run.fsyncs} fsyncs)`,
        );
      }
      if (flushDiskType === 'ASYNC_FLUSH' && !pool) {
        const bare = await bareAppendRun(dir, size, 256, seconds);
        floors.push({ size, concurrency: 256, ...bare, rawMBps });
        console.log(
          `  ${'floor (bare)'.padEnd(16)} ${String(size).padStart(5)} B x 256 appenders: ` +
            `${Math.round(bare.appendsPerSec).toLocaleString('en-US').padStart(9)} appends/s ${bare.mbPerSec.toFixed(1).padStart(7)} MB/s ` +
            `(${((bare.mbPerSec / rawMBps) * 100).toFixed(0)}% of raw: only CRC, copy, one write per round)`,
        );
      }
    }
  }
  const recovered = await recovery(dir, Number(args['recovery-gib']));
  console.log(
    `\nrecovery after a crash: ${(recovered.storeBytes / 1024 ** 3).toFixed(2)} GiB, ${recovered.messages.toLocaleString('en-US')} messages ` +
      `of 1 KiB: ${recovered.recoveryMs.toFixed(0)} ms (all recovered: ${recovered.recoveredEverything})`,
  );
  const child = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      fileURLToPath(import.meta.url),
      '--part',
      'memory',
      '--dir',
      dir,
      '--memory-messages',
      args['memory-messages']!,
    ],
    { encoding: 'utf8', maxBuffer: 1024 * 1024 },
  );
  if (child.status !== 0) throw new Error(`memory part failed: ${child.stderr}`);
  const memory = JSON.parse(child.stdout) as { messages: number; storeBytes: number; rssMB: number };
  console.log(
    `memory: ${memory.messages.toLocaleString('en-US')} messages of 128 B stored (${(memory.storeBytes / 1e9).toFixed(2)} GB of CommitLog): RSS ${memory.rssMB.toFixed(0)} MB after GC`,
  );
  if (args.json) console.log(JSON.stringify({ settings, runs, floors, recovered, memory }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
