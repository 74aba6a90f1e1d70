/**
 * Apache RocketMQ 4.9.4, brought in at run time for the interop scripts and the side-by-side
 * benchmark: never in CI, never committed. Under RMQ (default /tmp/rmq) it expects the binary
 * distribution in rocketmq-all-4.9.4-bin-release/ (its conf/ and lib/) and, in netty/, the netty
 * 4.1 module jars of Debian's libnetty-java (buffer, codec, common, handler, resolver, transport,
 * transport-native-epoll, transport-native-unix-common), for distributions that lack netty-all.
 * It runs on Java 17 with 256 MiB heaps in a network namespace that has only loopback, since
 * RocketMQ 4.9.4 cannot be told which address to bind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RMQ = process.env['RMQ'] ?? '/tmp/rmq';
export const RMQ_HOME = join(RMQ, 'rocketmq-all-4.9.4-bin-release');
export const CLASSPATH = [join(RMQ_HOME, 'conf'), join(RMQ_HOME, 'lib', '*'), join(RMQ, 'netty', '*')].join(':');
/** A network namespace with only loopback: RocketMQ 4.9.4 listens on every interface. */
export const NETNS = 'rmqlo';
/** The JVM settings of the interop doc: 256 MiB heaps instead of the scripts' 8 GB. */
export const JAVA_SERVER_OPTS = [
  '-server',
  '-Xms256m',
  '-Xmx256m',
  '-XX:+UseG1GC',
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
  '--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED',
  '-Dtls.server.mode=disabled',
  `-Duser.home=${join(RMQ, 'home')}`,
  `-Drocketmq.home.dir=${RMQ_HOME}`,
];

/** Throw, saying how to bring it in, when the distribution is not there. */
export function requireDistribution(): void {
  if (!existsSync(join(RMQ_HOME, 'lib')) || !existsSync(join(RMQ, 'netty'))) {
    throw new Error(
      `Apache RocketMQ 4.9.4 is not under ${RMQ}: put its binary distribution in ` +
        `${RMQ_HOME} and Debian libnetty-java's module jars in ${join(RMQ, 'netty')}, or set RMQ to where it is.`,
    );
  }
}

/**
 * Outside the namespace: run the script at scriptUrl again inside it, with this process's
 * arguments, and return its exit status. Inside it: undefined, and the script goes on.
 */
export function rerunInNetns(scriptUrl: string): number | undefined {
  if (process.env['ROCKETNEST_IN_NETNS']) return undefined;
  requireDistribution();
  ensureNetns();
  const run = spawnSync(
    'ip',
    ['netns', 'exec', NETNS, process.execPath, fileURLToPath(scriptUrl), ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, ROCKETNEST_IN_NETNS: '1' } },
  );
  return run.status ?? 1;
}

/** Create the loopback-only namespace when missing (needs root). */
export function ensureNetns(): void {
  if (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.includes(NETNS)) return;
  spawnSync('ip', ['netns', 'add', NETNS]);
  spawnSync('ip', ['netns', 'exec', NETNS, 'ip', 'link', 'set', 'lo', 'up']);
}

export interface Server {
  child: ChildProcess;
  output(): string;
}

/** Start a server in the namespace; resolves with it and the ms until its boot line. */
export async function startInNetns(
  command: string,
  commandArgs: string[],
  ready: RegExp,
): Promise<{ server: Server; startMs: number }> {
  const started = performance.now();
  const child = spawn('ip', ['netns', 'exec', NETNS, command, ...commandArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  for (;;) {
    if (ready.test(output)) break;
    if (child.exitCode !== null || performance.now() - started > 60_000) {
      throw new Error(`${command} did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { server: { child, output: () => output }, startMs: performance.now() - started };
}

export async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.child.on('exit', resolve));
  server.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  if (server.child.exitCode === null) server.child.kill('SIGKILL');
}

/** Apache RocketMQ's NameServer (port 9876) in the namespace, with a properties file at path. */
export async function startApacheNamesrv(propertiesPath: string): Promise<Server> {
  const { server } = await startInNetns(
    'java',
    [...JAVA_SERVER_OPTS, '-cp', CLASSPATH, 'org.apache.rocketmq.namesrv.NamesrvStartup', '-c', propertiesPath],
    /The Name Server boot success/,
  );
  return server;
}

/**
 * Apache RocketMQ's broker in the namespace, with a broker.conf at path; javaOpts come after
 * JAVA_SERVER_OPTS, so a -D there wins (another rocketmq.home.dir, say).
 */
export function startApacheBroker(
  confPath: string,
  javaOpts: string[] = [],
): Promise<{ server: Server; startMs: number }> {
  return startInNetns(
    'java',
    [
      ...JAVA_SERVER_OPTS,
      ...javaOpts,
      '-XX:MaxDirectMemorySize=2g',
      '-cp',
      CLASSPATH,
      'org.apache.rocketmq.broker.BrokerStartup',
      '-c',
      confPath,
    ],
    /boot success/,
  );
}

/** broker.conf for a single ASYNC_MASTER broker-a on 127.0.0.1:10911 of the namespace. */
export function brokerConf(storePathRootDir: string, extra: string[] = []): string {
  return [
    'brokerClusterName=DefaultCluster',
    'brokerName=broker-a',
    'brokerId=0',
    'brokerRole=ASYNC_MASTER',
    'flushDiskType=ASYNC_FLUSH',
    'namesrvAddr=127.0.0.1:9876',
    'brokerIP1=127.0.0.1',
    'listenPort=10911',
    'autoCreateTopicEnable=true',
    `storePathRootDir=${storePathRootDir}`,
    ...extra,
    '',
  ].join('\n');
}

/**
 * The body of a script run by npm run test:interop: re-run in the loopback-only namespace (Apache
 * RocketMQ listens on every interface), start an Apache NameServer on 127.0.0.1:9876 and a broker
 * (brokerConf) there, run checks, stop both, and exit with the code checks returned.
 */
export function runAgainstApache(scriptUrl: string, checks: () => Promise<number>): void {
  const main = async (): Promise<number> => {
    const outside = rerunInNetns(scriptUrl);
    if (outside !== undefined) return outside;
    const dir = mkdtempSync(join(tmpdir(), 'rocketnest-apache-'));
    writeFileSync(join(dir, 'namesrv.properties'), 'listenPort=9876\n');
    writeFileSync(join(dir, 'broker.conf'), brokerConf(join(dir, 'store')));
    const namesrv = await startApacheNamesrv(join(dir, 'namesrv.properties'));
    const { server: broker } = await startApacheBroker(join(dir, 'broker.conf'));
    try {
      return await checks();
    } finally {
      await stopServer(broker);
      await stopServer(namesrv);
      rmSync(dir, { recursive: true, force: true });
    }
  };
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** PASS or FAIL lines for named checks, and how many failed: the shape of every interop script's report. */
export function checkList(): {
  check: (name: string, run: () => Promise<string>) => Promise<void>;
  failed: () => number;
  passed: () => number;
} {
  let failed = 0;
  let passed = 0;
  return {
    check: async (name, run) => {
      try {
        const detail = await run();
        passed++;
        console.log(`PASS ${name}: ${detail}`);
      } catch (error) {
        failed++;
        console.log(`FAIL ${name}: ${(error as Error).message}`);
      }
    },
    failed: () => failed,
    passed: () => passed,
  };
}
