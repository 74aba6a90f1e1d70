import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLASSPATH, RMQ, RMQ_HOME } from './real-rocketmq.js';

/**
 * Run a Java main class of the Apache RocketMQ 4.9.4 distribution for at most `seconds`; returns
 * what it printed. home is its rocketmq.home.dir: mqadmin signs with home/conf/tools.yml.
 */
export function java(
  mainClass: string,
  args: string[],
  seconds: number,
  options: { heap?: string; home?: string; jvm?: string[] } = {},
): string {
  const result = spawnSync('timeout', javaCommand(mainClass, args, seconds, options), {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return `${result.stdout}${result.stderr}`;
}

/**
 * java() without blocking this process: for commands whose answer comes from a client running
 * in this process (mqadmin consumerStatus asks the consumer through the broker).
 */
export function javaAsync(
  mainClass: string,
  args: string[],
  seconds: number,
  options: { heap?: string; home?: string; jvm?: string[]; cwd?: string } = {},
): Promise<string> {
  return new Promise((resolve) => {
    // cwd: mqadmin consumerStatus writes each member's running info to a file under it.
    const child = spawn('timeout', javaCommand(mainClass, args, seconds, options), { cwd: options.cwd });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', () => resolve(output));
  });
}

function javaCommand(
  mainClass: string,
  args: string[],
  seconds: number,
  options: { heap?: string; home?: string; jvm?: string[] },
): string[] {
  return [
    String(seconds),
    'java',
    `-Xmx${options.heap ?? '256m'}`,
    `-Duser.home=${join(RMQ, 'home')}`,
    `-Drocketmq.home.dir=${options.home ?? RMQ_HOME}`,
    ...(options.jvm ?? []),
    '-cp',
    CLASSPATH,
    mainClass,
    ...args,
  ];
}

/** mqadmin with its arguments and -n namesrv; home as for java(). */
export function mqadmin(namesrv: string, args: string[], home?: string): string {
  return java('org.apache.rocketmq.tools.command.MQAdminStartup', [...args, '-n', namesrv], 60, { home });
}

/** The checks of an interop script: each printed PASS or FAIL with the last lines it saw. */
export class Checks {
  private readonly results: { name: string; ok: boolean }[] = [];

  check(
    name: string,
    output: string,
    ok: (output: string) => boolean,
    detail = (o: string) => o.trim().split('\n').slice(-3).join(' | '),
  ): void {
    const passed = ok(output);
    this.results.push({ name, ok: passed });
    console.log(`${passed ? 'PASS' : 'FAIL'} ${name}: ${detail(output).slice(0, 300)}`);
    if (!passed) console.log(output);
  }

  /** Print how many passed; the exit status: 0 when all did. */
  summary(what: string): number {
    const failed = this.results.filter((result) => !result.ok).length;
    console.log(`\n${this.results.length - failed} of ${this.results.length} checks passed ${what}`);
    return failed === 0 ? 0 : 1;
  }
}
