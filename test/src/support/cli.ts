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
