import { silentLogger } from '@rocketnest/common';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RequestCode, ResponseCode, type ClusterInfo } from '@rocketnest/protocol';
import { RemotingClient } from '@rocketnest/remoting';
import { eventually, startBroker, startNamesrv, temporaryDir } from './support/cluster.js';
import { rocketnestBin, rocketnestNodeFlags } from './support/cli.js';
import { npmRun } from './support/npm.js';
import { Requests } from './support/requests.js';

interface Server {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Run the command as `npx rocketnest` does: the script itself, so that its #! line picks node and its flags. */
function run(args: string[]): Server {
  const child = spawn(rocketnestBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, output: () => output, exited };
}

describe('rocketnest namesrv and broker', () => {
  it('start from RocketMQ-style config files, print the boot lines, and stop cleanly on SIGTERM', async () => {
    const dir = temporaryDir();
    writeFileSync(
      join(dir, 'namesrv.properties'),
      'listenPort=0\nbindAddress=127.0.0.1\nkvConfigPath=/opt/rocketmq/kvConfig.json\n',
    );
    const namesrv = run(['namesrv', '-c', join(dir, 'namesrv.properties')]);
    await eventually(
      () => namesrv.output().includes('The Name Server boot success. serializeType=JSON'),
      'the NameServer boot line',
    );
    assert.match(namesrv.output(), /"kvConfigPath" is not a setting RocketNest knows; it is ignored/);
    const namesrvAddr = /listening on 127\.0\.0\.1:(\d+)/.exec(namesrv.output())![1]!;
    writeFileSync(
      join(dir, 'broker.conf'),
      [
        '# a broker.conf as RocketMQ users write them',
        'brokerClusterName = DefaultCluster',
        'brokerName = broker-cli',
        'brokerId = 0',
        'brokerIP1 = 127.0.0.1',
        'bindAddress = 127.0.0.1',
        'listenPort = 0',
        `storePathRootDir = ${join(dir, 'store')}`,
        'flushDiskType = ASYNC_FLUSH',
        'brokerRole = ASYNC_MASTER',
        'deleteWhen = 04',
        'sendMessageThreadPoolNums = 16',
        '',
      ].join('\n'),
    );
    const broker = run(['broker', '-n', `127.0.0.1:${namesrvAddr}`, '-c', join(dir, 'broker.conf')]);
    await eventually(
      () => /The broker\[broker-cli, 127\.0\.0\.1:\d+\] boot success/.test(broker.output()),
      'the broker boot line',
    );
    assert.match(broker.output(), /"sendMessageThreadPoolNums" is not a setting RocketNest knows/);
    // The broker's V8 heap settings come from the script's #! line.
    const commandLine = readFileSync(`/proc/${broker.child.pid}/cmdline`, 'utf8').split('\0');
    assert.deepEqual(rocketnestNodeFlags, ['--single-threaded-gc', '--max-semi-space-size=8']);
    for (const flag of rocketnestNodeFlags)
      assert.ok(commandLine.includes(flag), `${flag} in ${commandLine.join(' ')}`);
    const remoting = new RemotingClient({ logger: silentLogger });
    after(() => remoting.close());
    const requests = new Requests(remoting);
    const cluster = async () =>
      JSON.parse(
        (await requests.call(`127.0.0.1:${namesrvAddr}`, RequestCode.GET_BROKER_CLUSTER_INFO)).body!.toString(),
      ) as ClusterInfo;
    assert.ok((await cluster()).brokerAddrTable['broker-cli'], 'the broker registered');
    const brokerAddr = /The broker\[broker-cli, (127\.0\.0\.1:\d+)\]/.exec(broker.output())![1]!;
    await requests.createTopic(brokerAddr, 'CliTopic', 1);
    assert.equal((await requests.send(brokerAddr, 'CliTopic', 'hello')).code, ResponseCode.SUCCESS);

    broker.child.kill('SIGTERM');
    assert.equal(await broker.exited, 0);
    assert.match(broker.output(), /SIGTERM received: shutting down[\s\S]*shutdown complete/);
    assert.equal((await cluster()).brokerAddrTable['broker-cli'], undefined, 'it unregistered');
    namesrv.child.kill('SIGTERM');
    assert.equal(await namesrv.exited, 0);
  });

  it('stops under npx when npm gets SIGTERM (npm does not pass it on)', async () => {
    const dir = temporaryDir();
    writeFileSync(join(dir, 'namesrv.properties'), 'listenPort=0\nbindAddress=127.0.0.1\n');
    const run = npmRun(['exec', '--no', '--', 'rocketnest', 'namesrv', '-c', join(dir, 'namesrv.properties')], {
      cwd: join(rocketnestBin, '..', '..'),
    });
    await eventually(() => run.output().includes('boot success'), 'the NameServer boot line', 30_000);
    run.terminateNpm();
    await run.ended(10_000);
    const output = run.output();
    assert.match(output, /the npm process that started it \(pid \d+\) has exited: shutting down/);
    assert.match(output, /shutdown complete/);
  });

  it('answers --version, and --help for every command and subcommand', async () => {
    const version = run(['--version']);
    assert.equal(await version.exited, 0);
    assert.match(version.output(), /^rocketnest \d+\.\d+\.\d+ /);
    for (const args of [['namesrv'], ['broker'], ['bench', 'producer'], ['bench', 'consumer'], ['cluster']]) {
      const help = run([...args, '--help']);
      assert.equal(await help.exited, 0, help.output());
      assert.match(help.output(), new RegExp(`^usage:\\n(.|\\n)*rocketnest ${args.join(' ')}`), args.join(' '));
    }
  });

  it('bench signs with --access-key and --secret-key for a broker with ACL on, and is refused without', async () => {
    const home = temporaryDir();
    mkdirSync(join(home, 'conf'));
    writeFileSync(
      join(home, 'conf', 'plain_acl.yml'),
      'accounts:\n  - accessKey: bench-app\n    secretKey: bench-secret\n    defaultTopicPerm: PUB\n',
    );
    const namesrv = await startNamesrv();
    await startBroker({ namesrvAddr: namesrv.address, aclEnable: true, rocketmqHome: home });
    const args = ['bench', 'producer', '-n', namesrv.address, '--topic', 'AclBench', '--duration', '1', '--json'];
    const refused = run(args);
    assert.notEqual(await refused.exited, 0);
    assert.match(refused.output(), /No accessKey is configured/);
    const signed = run([...args, '--access-key', 'bench-app', '--secret-key', 'bench-secret']);
    assert.equal(await signed.exited, 0, signed.output());
    const summary = JSON.parse(signed.output().trim().split('\n').at(-1)!) as {
      summary: { errors: number; msgPerSec: number };
    };
    assert.equal(summary.summary.errors, 0);
    assert.ok(summary.summary.msgPerSec > 0);
  });

  it('bench producer and consumer print a line a second and a summary, as JSON when asked', async () => {
    const namesrv = await startNamesrv();
    await startBroker({ namesrvAddr: namesrv.address });
    const bench = run([
      'bench',
      'producer',
      '-n',
      namesrv.address,
      '--topic',
      'CliBench',
      '--duration',
      '3',
      '--warmup',
      '2',
      '--inflight',
      '16',
      '--size',
      '256',
      '--json',
    ]);
    assert.equal(await bench.exited, 0, bench.output());
    const lines = bench
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const summary = lines.at(-1)!['summary'] as {
      messages: number;
      msgPerSec: number;
      errors: number;
      size: number;
      inflight: number;
      warmup: number;
      seconds: number;
    };
    assert.ok(summary.msgPerSec > 0);
    // The two seconds of warm-up print their lines but stay out of the summary.
    assert.equal(summary.warmup, 2);
    assert.ok(summary.seconds > 0.5 && summary.seconds < 1.8, `the summary covers the last second: ${summary.seconds}`);
    // Every message is in a line (the last, partial second's too); the summary has those after the warm-up.
    const inLines = (after: number) =>
      lines.reduce((sum, line) => sum + ((line['second'] as number) > after ? (line['messages'] as number) : 0), 0);
    assert.equal(summary.messages, inLines(2), 'the summary counts the seconds after the warm-up');
    assert.ok(summary.messages < inLines(0), 'the warm-up sends are not in the summary');
    assert.equal(summary.errors, 0);
    assert.equal(summary.size, 256);
    assert.equal(summary.inflight, 16);
    assert.ok(
      lines.some((line) => typeof line['p99Ms'] === 'number' && (line['msgPerSec'] as number) > 0),
      'a per-second line',
    );
    // --from last on CliBench, whose backlog (the sends above) is still in memory, where a new
    // group would start at 0: it must read only the paced sends that arrive after it starts.
    const live = run([
      ...['bench', 'consumer', '-n', namesrv.address, '--topic', 'CliBench', '--from', 'last'],
      ...['--group', 'cli-live', '--duration', '8', '--json'],
    ]);
    await eventually(() => live.output().includes('"second":1'), "the live consumer's first line");
    // Paced: the sends due each millisecond, about --rate a second.
    const paced = run([
      ...['bench', 'producer', '-n', namesrv.address, '--topic', 'CliBench', '--duration', '2'],
      ...['--rate', '300', '--json'],
    ]);
    assert.equal(await paced.exited, 0, paced.output());
    const { summary: pacedSummary } = JSON.parse(paced.output().trim().split('\n').at(-1)!) as {
      summary: { messages: number; msgPerSec: number; errors: number; rate: number };
    };
    assert.equal(pacedSummary.rate, 300);
    assert.equal(pacedSummary.errors, 0);
    assert.ok(
      pacedSummary.msgPerSec > 150 && pacedSummary.msgPerSec < 450,
      `about 300 msg/s at --rate 300, got ${pacedSummary.msgPerSec}`,
    );
    assert.equal(await live.exited, 0, live.output());
    const { summary: liveSummary } = JSON.parse(live.output().trim().split('\n').at(-1)!) as {
      summary: { messages: number; msgPerSec: number; maxMs: number; seconds: number; elapsedSeconds: number };
    };
    const [sent, received] = [pacedSummary.messages, liveSummary.messages];
    // (A send or two may still be in flight when the producer's summary is made.)
    assert.ok(
      received > 0 && received <= sent + 5,
      `received ${received} of the ${sent} paced sends and none of the backlog of thousands`,
    );
    // Averaged over the seconds with traffic (about 2 of 8), not the whole run.
    assert.ok(liveSummary.seconds < liveSummary.elapsedSeconds - 3, JSON.stringify(liveSummary));
    assert.ok(liveSummary.msgPerSec > 100, `the live rate over its busy seconds: ${liveSummary.msgPerSec}`);
    // Paced sends carry their send time to the microsecond; born timestamps would give whole milliseconds.
    assert.ok(!Number.isInteger(liveSummary.maxMs), `end-to-end latency below the millisecond: ${liveSummary.maxMs}`);
    const drain = run(['bench', 'consumer', '-n', namesrv.address, '--topic', 'CliBench', '--duration', '2', '--json']);
    assert.equal(await drain.exited, 0, drain.output());
    const drained = JSON.parse(drain.output().trim().split('\n').at(-1)!) as { summary: { msgPerSec: number } };
    assert.ok(drained.summary.msgPerSec > 0, 'the consumer bench drained what the producer bench sent');
  });

  it('refuses a bad value naming the key, and a missing file naming it', async () => {
    const dir = temporaryDir();
    writeFileSync(join(dir, 'broker.conf'), 'listenPort=0\nflushDiskType=SOMETIMES\n');
    const bad = run(['broker', '-c', join(dir, 'broker.conf')]);
    assert.equal(await bad.exited, 1);
    assert.match(bad.output(), /flushDiskType must be ASYNC_FLUSH or SYNC_FLUSH, got "SOMETIMES"/);
    writeFileSync(join(dir, 'broker2.conf'), 'defaultTopicQueueNums=many\n');
    const notNumber = run(['broker', '-c', join(dir, 'broker2.conf')]);
    assert.equal(await notNumber.exited, 1);
    assert.match(notNumber.output(), /broker\.conf: defaultTopicQueueNums must be a non-negative number, got "many"/);
    const missing = run(['namesrv', '-c', join(dir, 'nope.properties')]);
    assert.equal(await missing.exited, 1);
    assert.match(missing.output(), /cannot read .*nope\.properties/);
    const warmupTooLong = run(['bench', 'producer', '--duration', '2', '--warmup', '2']);
    assert.equal(await warmupTooLong.exited, 1);
    assert.match(
      warmupTooLong.output(),
      /--warmup must be a whole number of seconds from 0 to under --duration \(2\), got "2"/,
    );
  });
});
