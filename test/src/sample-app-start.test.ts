import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventually } from './support/cluster.js';
import { npmRun } from './support/npm.js';

const repo = join(createRequire(import.meta.url).resolve('@rocketnest/cli/package.json'), '..', '..', '..');
const started = /sample order service on (\S+) \(data in ([^,]+),/;

describe('npm start', () => {
  it('runs the sample app in a data directory of its own, and stops it, removing that directory, when npm gets SIGTERM', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'rocketnest-start-test-'));
    try {
      const run = npmRun(['start'], {
        cwd: repo,
        env: { ...process.env, PORT: '0', ROCKET_NAMESRV_PORT: '0', ROCKET_BROKER_PORT: '0', TMPDIR: tmp },
      });
      await eventually(() => started.test(run.output()), 'the sample app to start', 90_000);
      const [, url, dataDir] = started.exec(run.output())!;
      assert.match(dataDir!, /rocketnest-sample-\w+$/);
      assert.equal(join(dataDir!, '..'), join(tmp), 'the per-run directory is in the temp dir');
      const created = await fetch(`${url!}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ item: 'book', quantity: 1 }),
      });
      assert.equal(created.status, 201);
      assert.ok(existsSync(join(dataDir!, 'orders.sqlite')));

      run.terminateNpm(); // npm itself, as a process manager would
      await run.ended(30_000);
      assert.deepEqual(readdirSync(tmp), [], `npm start left files behind:\n${run.output()}`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
