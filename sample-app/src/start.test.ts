import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const repo = fileURLToPath(new URL('../..', import.meta.url));

describe('npm start', () => {
  it('runs the sample app in a data directory of its own, and stops it, removing that directory, when npm gets SIGTERM', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'rocketnest-start-test-'));
    try {
      const npm = process.env.npm_execpath;
      const child = spawn(npm ? process.execPath : 'npm', [...(npm ? [npm] : []), 'start'], {
        cwd: repo,
        env: { ...process.env, PORT: '0', ROCKET_NAMESRV_PORT: '0', ROCKET_BROKER_PORT: '0', TMPDIR: tmp },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // a process group of its own, to kill all of it should the test fail
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      // The pipes close once every process holding them, npm's child included, has exited.
      const closed = new Promise((resolve) => child.stdout.once('close', resolve));
      const started = Date.now();
      while (!/sample order service on (\S+) \(data in ([^,]+),/.test(output)) {
        assert.ok(Date.now() - started < 90_000 && child.exitCode === null, `npm start did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const [, url, dataDir] = /sample order service on (\S+) \(data in ([^,]+),/.exec(output)!;
      assert.match(dataDir!, /rocketnest-sample-\w+$/);
      assert.equal(join(dataDir!, '..'), join(tmp), 'the per-run directory is in the temp dir');
      const created = await fetch(`${url!}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ item: 'book', quantity: 1 }),
      });
      assert.equal(created.status, 201);
      assert.ok(existsSync(join(dataDir!, 'orders.sqlite')));

      child.kill('SIGTERM'); // npm itself, as a process manager would
      let timer: NodeJS.Timeout | undefined;
      const outlived = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the app outlived npm by 30 s:\n${output}`)), 30_000);
      });
      await Promise.race([closed, outlived]).finally(() => {
        clearTimeout(timer);
        if (!child.stdout.closed) process.kill(-child.pid!, 'SIGKILL');
      });
      assert.deepEqual(readdirSync(tmp), [], `npm start left files behind:\n${output}`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
