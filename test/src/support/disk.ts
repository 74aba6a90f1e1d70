import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * This disk's raw sequential write speed under dir in MB/s: totalBytes in 1 MiB writes, then one
 * fdatasync. A virtual disk's speed swings with its host's load: measure it beside what it is
 * compared with.
 */
export function rawSequentialWrite(dir: string, totalBytes: number): number {
  const path = join(dir, 'raw-write');
  const chunk = Buffer.alloc(1024 * 1024, 7);
  const fd = openSync(path, 'w');
  const started = performance.now();
  for (let written = 0; written < totalBytes; written += chunk.length) writeSync(fd, chunk);
  fdatasyncSync(fd);
  const seconds = (performance.now() - started) / 1000;
  closeSync(fd);
  rmSync(path);
  return totalBytes / seconds / 1e6;
}
