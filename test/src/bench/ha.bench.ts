/**
 * npm run bench:ha [-- --seconds 15 --inflight 1000 --dir /tmp]
 *
 * Replication's cost, measured in one run on this machine: `rocketnest bench producer` (1 KiB
 * single sends) against one broker name in three set-ups, one after another, each on fresh
 * stores: ASYNC_MASTER alone, ASYNC_MASTER with a SLAVE, SYNC_MASTER with a SLAVE. After each
 * run with a slave, how far behind the master the slave was when the load stopped, and how long
 * it took to have all of it. The NameServer, the brokers and the producer share this machine's
 * cores: a slave here takes CPU from its master, which separate machines would not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '@rocketnest/common';
import { Admin } from '@rocketnest/client';
import { rocketnestArgs } from '../support/cli.js';
import { freePort } from '../support/ports.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    inflight: { type: 'string', default: '1000' },
    dir: { type: 'string', default: tmpdir() },
  },
});

/** Start `rocketnest ...` and wait for its boot line. */
async function start(commandArgs: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, rocketnestArgs(...commandArgs), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const started = Date.now();
  while (!/boot success/.test(output)) {
    if (child.exitCode !== null || Date.now() - started > 30_000)
      throw new Error(`rocketnest did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
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

interface Figures {
  setup: string;
  msgPerSec: number;
  lagBytes?: number;
  catchUpMs?: number;
}

async function run(setup: string, role: 'ASYNC_MASTER' | 'SYNC_MASTER', withSlave: boolean): Promise<Figures> {
  const dir = mkdtempSync(join(args.dir, 'rocketnest-ha-'));
  const children: ChildProcess[] = [];
  try {
    const [namesrvPort, masterPort, slavePort] = [await freePort(), await freePort(), await freePort()];
    const namesrv = `127.0.0.1:${namesrvPort}`;
    writeFileSync(join(dir, 'namesrv.properties'), `listenPort=${namesrvPort}\nbindAddress=127.0.0.1\n`);
    const conf = (name: string, lines: string[]) => {
      const path = join(dir, `${name}.conf`);
      writeFileSync(
        path,
        [
          ...lines,
          'bindAddress=127.0.0.1',
          'brokerIP1=127.0.0.1',
          `namesrvAddr=${namesrv}`,
          `storePathRootDir=${join(dir, name)}`,
        ].join('\n'),
      );
      return path;
    };
    children.push(await start(['namesrv', '-c', join(dir, 'namesrv.properties')]));
    const masterConf = conf('master', [
      `listenPort=${masterPort}`,
      `haListenPort=${await freePort()}`,
      `brokerRole=${role}`,
    ]);
    children.push(await start(['broker', '-c', masterConf]));
    if (withSlave) {
      const slaveConf = conf('slave', [`listenPort=${slavePort}`, 'brokerRole=SLAVE', 'brokerId=1']);
      children.push(await start(['broker', '-c', slaveConf]));
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    console.log(`${setup}: producing for ${args.seconds} s...`);
    const { msgPerSec } = await benchProducer(namesrv, Number(args.seconds));
    if (!withSlave) return { setup, msgPerSec };
    const admin = new Admin({ namesrvAddr: namesrv, logger: silentLogger, requestTimeoutMs: 30_000 });
    try {
      const maxOffset = async (address: string) =>
        Number((await admin.brokerRuntimeInfo(address))['commitLogMaxOffset']);
      const master = `127.0.0.1:${masterPort}`;
      const slave = `127.0.0.1:${slavePort}`;
      const target = await maxOffset(master);
      const lagBytes = target - (await maxOffset(slave));
      console.log(`${setup}: the slave is ${lagBytes} bytes behind; waiting for it...`);
      const from = performance.now();
      while ((await maxOffset(slave)) < target) await new Promise((resolve) => setTimeout(resolve, 20));
      return { setup, msgPerSec, lagBytes, catchUpMs: performance.now() - from };
    } finally {
      await admin.shutdown();
    }
  } finally {
    for (const child of children.reverse()) await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [
  await run('ASYNC_MASTER alone', 'ASYNC_MASTER', false),
  await run('ASYNC_MASTER + SLAVE', 'ASYNC_MASTER', true),
  await run('SYNC_MASTER + SLAVE', 'SYNC_MASTER', true),
];
console.log(
  `\nbench:ha: rocketnest bench producer, 1 KiB single sends, ${args.inflight} in flight, ${args.seconds} s (3 s warm-up) per set-up, ` +
    `ASYNC_FLUSH, everything on this machine: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}`,
);
console.log('set-up                    msg/s   vs alone   slave behind at the end   caught up in');
const alone = results[0]!.msgPerSec;
for (const r of results) {
  const lag = r.lagBytes === undefined ? '' : `${(r.lagBytes / 1024).toFixed(0)} KiB`;
  const catchUp = r.catchUpMs === undefined ? '' : `${r.catchUpMs.toFixed(0)} ms`;
  console.log(
    `${r.setup.padEnd(22)} ${r.msgPerSec.toFixed(0).padStart(9)} ${`${((r.msgPerSec / alone) * 100).toFixed(0)}%`.padStart(10)} ${lag.padStart(25)} ${catchUp.padStart(14)}`,
  );
}
