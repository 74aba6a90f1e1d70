import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The `rocketnest` command's script, for spawn(process.execPath, [rocketnestBin, ...args]). */
export const rocketnestBin = join(
  createRequire(import.meta.url).resolve('@rocketnest/cli/package.json'),
  '..',
  'bin',
  'rocketnest.js',
);
