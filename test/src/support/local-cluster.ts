import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { parseProperties } from '@rocketnest/common';
import { rocketnestArgs } from './cli.js';
import { freeBrokerPort, freePortBut } from './ports.js';

/** The example configurations `@rocketnest/cli` ships (RocketMQ's 2m-2s-sync and 2m-2s-async). */
export const exampleConfDir = join(
  createRequire(import.meta.url).resolve('@rocketnest/cli/package.json'),
  '..',
  'conf',
);

/** Every process started here; killed when this process exits, so that none outlives a failed run. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** A `rocketnest ...` process: waits for its boot line, keeps its output, stops or is killed. */
export class RocketnestProcess {
  output = '';
  private constructor(readonly child: ChildProcess) {
    children.add(child);
    child.on('exit', () => children.delete(child));
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** Start `rocketnest ...args` (in cwd) and resolve once it printed ready. */
  static async start(args: string[], ready = /boot success/, cwd?: string): Promise<RocketnestProcess> {
    const started = new RocketnestProcess(
      spawn(process.execPath, rocketnestArgs(...args), { stdio: ['ignore', 'pipe', 'pipe'], cwd }),
    );
    const since = Date.now();
    while (!ready.test(started.output)) {
      if (started.exited || Date.now() - since > 60_000) {
        started.child.kill('SIGKILL');
        throw new Error(`rocketnest ${args.join(' ')} did not start:\n${started.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return started;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** SIGTERM, and SIGKILL if it has not exited 15 s later; resolves with its exit code. */
  async stop(): Promise<number | null> {
    return this.signal('SIGTERM');
  }

  /** SIGKILL: the process dies at once, its files as they are. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  private async signal(signal: NodeJS.Signals): Promise<number | null> {
    if (!this.exited) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill(signal);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    return this.child.exitCode;
  }
}

export interface ExampleBroker {
  /** The file's name: broker-a, broker-a-s, ... */
  name: string;
  brokerName: string;
  brokerId: number;
  conf: string;
  addr: string;
  store: string;
}

/**
 * One of the shipped examples written into dir/conf as it ships, but with ports chosen free now,
 * stores under dir and two NameServers on free ports: what a test may run on a shared machine.
 */
export async function writeExample(
  example: '2m-2s-sync' | '2m-2s-async',
  dir: string,
  extra: Record<string, string> = {},
): Promise<{ confDir: string; namesrvAddr: string; brokers: ExampleBroker[] }> {
  const confDir = join(dir, 'conf');
  mkdirSync(confDir, { recursive: true });
  const taken = new Set<number>();
  const namesrvAddr = `127.0.0.1:${await freePortBut(taken)};127.0.0.1:${await freePortBut(taken)}`;
  const brokers: ExampleBroker[] = [];
  const source = join(exampleConfDir, example);
  for (const file of readdirSync(source).sort()) {
    const name = basename(file, '.properties');
    const port = await freeBrokerPort(taken);
    const store = join(dir, 'store', name);
    const overrides: Record<string, string> = {
      listenPort: String(port),
      haListenPort: String(await freePortBut(taken)),
      // A free gRPC port each: several brokers share this host.
      grpcServerPort: '0',
      storePathRootDir: store,
      namesrvAddr,
      ...extra,
    };
    const lines = readFileSync(join(source, file), 'utf8')
      .split('\n')
      .filter((line) => !Object.keys(overrides).some((key) => line.startsWith(`${key}=`)));
    const text = [...lines, ...Object.entries(overrides).map(([key, value]) => `${key}=${value}`)].join('\n');
    writeFileSync(join(confDir, file), `${text}\n`);
    const properties = parseProperties(text);
    brokers.push({
      name,
      brokerName: properties['brokerName']!,
      brokerId: Number(properties['brokerId']),
      conf: join(confDir, file),
      addr: `127.0.0.1:${port}`,
      store,
    });
  }
  return { confDir, namesrvAddr, brokers };
}

/**
 * A shipped example run as separate processes, one `rocketnest` per member, so that a test can
 * kill, stop and restart each: its two NameServers, and whichever brokers the test starts.
 */
export class LocalCluster {
  private readonly namesrvs: RocketnestProcess[] = [];
  private readonly running = new Map<string, RocketnestProcess>();

  private constructor(
    readonly dir: string,
    readonly namesrvAddr: string,
    readonly brokers: readonly ExampleBroker[],
  ) {}

  /** Write the example under dir (see writeExample) and start its NameServers. */
  static async start(
    example: '2m-2s-sync' | '2m-2s-async',
    dir: string,
    extra: Record<string, string> = {},
  ): Promise<LocalCluster> {
    const { namesrvAddr, brokers } = await writeExample(example, dir, extra);
    const cluster = new LocalCluster(dir, namesrvAddr, brokers);
    for (const address of namesrvAddr.split(';')) {
      const port = address.slice(address.lastIndexOf(':') + 1);
      const file = join(dir, 'conf', `namesrv-${port}.properties`);
      writeFileSync(file, `listenPort=${port}\nbindAddress=127.0.0.1\n`);
      cluster.namesrvs.push(await RocketnestProcess.start(['namesrv', '-c', file]));
    }
    return cluster;
  }

  broker(name: string): ExampleBroker {
    const broker = this.brokers.find((b) => b.name === name);
    if (!broker) throw new Error(`the example has no broker ${name}`);
    return broker;
  }

  /** Start (or restart, over the store it left) the broker of conf/<name>.properties. */
  async startBroker(name: string): Promise<void> {
    if (this.running.get(name)?.exited === false) throw new Error(`${name} is running`);
    this.running.set(name, await RocketnestProcess.start(['broker', '-c', this.broker(name).conf]));
  }

  process(name: string): RocketnestProcess | undefined {
    return this.running.get(name);
  }

  async kill(name: string): Promise<void> {
    await this.running.get(name)?.kill();
  }

  async stop(name: string): Promise<number | null | undefined> {
    return this.running.get(name)?.stop();
  }

  /** Stop every process, brokers first. */
  async close(): Promise<void> {
    for (const broker of this.running.values()) await broker.stop();
    for (const namesrv of this.namesrvs) await namesrv.stop();
  }
}
