import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The `rocketnest` command's script. */
export const rocketnestBin = join(
  createRequire(import.meta.url).resolve('@rocketnest/cli/package.json'),
  '..',
  'bin',
  'rocketnest.js',
);

/** The node flags the command's `#!/usr/bin/env -S node ...` line runs it with. */
export const rocketnestNodeFlags: readonly string[] = readFileSync(rocketnestBin, 'utf8')
  .split('\n', 1)[0]!
  .replace(/^#!\S*env -S node\s*/, '')
  .split(/\s+/)
  .filter((flag) => flag.startsWith('--'));

/** Arguments for process.execPath that run `rocketnest ...args` as the command's script would. */
export function rocketnestArgs(...args: string[]): string[] {
  return [...rocketnestNodeFlags, rocketnestBin, ...args];
}

/** A `rocketnest` server process, resolved once its output matches ready. */
export async function startRocketnest(
  args: string[],
  ready: RegExp,
): Promise<{ output: () => string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, rocketnestArgs(...args), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!ready.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`rocketnest ${args[0]} did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
