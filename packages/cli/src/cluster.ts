import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { namesrvAddresses } from '@rocketnest/broker';
import { processLogger } from './log.js';
import { readProperties, stopOnSignals } from './servers.js';

export const CLUSTER_USAGE = `  rocketnest cluster [-c conf-dir] [--dir work-dir]
      a local cluster for development: a NameServer for each address the brokers' namesrvAddr
      lists, and a broker for each *.properties in conf-dir (default: RocketMQ's 2m-2s-async
      example, shipped in this package's conf/; conf/2m-2s-sync is the other), run in work-dir`;

/** The example configurations this package ships: RocketMQ's, with what one machine adds. */
export const EXAMPLE_CONF = fileURLToPath(new URL('../conf/', import.meta.url));

interface Member {
  name: string;
  args: string[];
}

/** `rocketnest cluster`: start the members, masters before slaves, and stop them all together. */
export async function runCluster(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c', default: join(EXAMPLE_CONF, '2m-2s-async') },
      dir: { type: 'string', default: process.cwd() },
    },
    strict: true,
  });
  const log = processLogger('cluster');
  const confDir = resolve(values.config);
  const workDir = resolve(values.dir);
  const brokers = readdirSync(confDir)
    .filter((name) => name.endsWith('.properties'))
    .sort()
    .map((name) => ({ name: basename(name, '.properties'), path: join(confDir, name) }))
    .map((file) => ({ ...file, properties: readProperties(file.path) }));
  if (brokers.length === 0) throw new Error(`${confDir} has no broker *.properties file`);
  const namesrvs = new Set<string>();
  for (const broker of brokers) {
    const addresses = namesrvAddresses(broker.properties['namesrvAddr'] ?? '');
    if (addresses.length === 0) throw new Error(`${broker.path}: namesrvAddr names no NameServer to start`);
    for (const address of addresses) namesrvs.add(address);
  }
  mkdirSync(workDir, { recursive: true });
  const members: Member[] = [...namesrvs].map((address) => {
    const at = address.lastIndexOf(':');
    const file = join(workDir, `namesrv-${address.slice(at + 1)}.properties`);
    writeFileSync(file, `listenPort=${address.slice(at + 1)}\nbindAddress=${address.slice(0, at)}\n`);
    return { name: `namesrv-${address.slice(at + 1)}`, args: ['namesrv', '-c', file] };
  });
  // Masters first: a slave learns its master's HA address when it registers.
  const isSlave = (b: (typeof brokers)[number]) => Number(b.properties['brokerId'] ?? 0) > 0;
  for (const broker of [...brokers.filter((b) => !isSlave(b)), ...brokers.filter(isSlave)]) {
    members.push({ name: broker.name, args: ['broker', '-c', broker.path] });
  }

  const children: ChildProcess[] = [];
  let stopping = false;
  stopOnSignals('cluster', async () => {
    stopping = true;
    for (const child of children.reverse()) await stopChild(child);
  });
  for (const member of members) {
    try {
      const child = await startMember(member, workDir);
      children.push(child);
      child.on('exit', (code, signal) => {
        if (!stopping) log.warn(`${member.name} exited (${signal ?? `code ${code}`}); the others keep running`);
      });
    } catch (error) {
      stopping = true;
      for (const child of children.reverse()) await stopChild(child);
      throw error;
    }
  }
  log.info(
    `cluster up in ${workDir}: NameServers ${[...namesrvs].join(';')}; brokers ${brokers.map((b) => `${b.name} at ${b.properties['listenPort'] ?? '10911'}`).join(', ')}. Ctrl-C stops them all`,
  );
}

/** Run `rocketnest ...` as this process runs, its lines prefixed with its name; resolves once it has booted. */
function startMember(member: Member, cwd: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...member.args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolvePromise, reject) => {
    let booted = false;
    const relay = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line.length === 0) continue;
        process.stdout.write(`[${member.name}] ${line}\n`);
        if (!booted && /boot success/.test(line)) {
          booted = true;
          resolvePromise(child);
        }
      }
    };
    child.stdout!.on('data', relay);
    child.stderr!.on('data', relay);
    child.on('exit', (code) => {
      if (!booted) reject(new Error(`${member.name} did not start (exit code ${code}): see its lines above`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolvePromise();
    });
    child.kill('SIGTERM');
  });
}
