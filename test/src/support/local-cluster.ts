import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { parseProperties } from '@rocketnest/common';
import { rocketnestArgs } from './cli.js';
import { freePort } from './ports.js';

/** The example configurations `@rocketnest/cli` ships (RocketMQ's 2m-2s-sync and 2m-2s-async). */
export const exampleConfDir = join(
  createRequire(import.meta.url).resolve('@rocketnest/cli/package.json'),
  '..',
  'conf',
);

/** A `rocketnest ...` process: waits for its boot line, keeps its output, stops or is killed. */
export class RocketnestProcess {
  output = '';
  private constructor(readonly child: ChildProcess) {
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
  const namesrvAddr = `127.0.0.1:${await freePort()};127.0.0.1:${await freePort()}`;
  const brokers: ExampleBroker[] = [];
  const source = join(exampleConfDir, example);
  for (const file of readdirSync(source).sort()) {
    const name = basename(file, '.properties');
    const port = await freePort();
    const store = join(dir, 'store', name);
    const overrides: Record<string, string> = {
      listenPort: String(port),
      haListenPort: String(await freePort()),
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
