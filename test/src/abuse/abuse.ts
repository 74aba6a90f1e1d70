/**
 * npm run test:abuse: hostile clients at scale against a `rocketnest` broker and NameServer while
 * a real producer and consumer work (hostile-clients.ts); npm test runs a short version.
 *   -- --connections 5000 --frames 250000 --messages 20000 --dir <tmp>
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { hostileClients } from './hostile-clients.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '5000' },
    frames: { type: 'string', default: '250000' },
    messages: { type: 'string', default: '20000' },
    dir: { type: 'string', default: tmpdir() },
  },
});

describe('npm run test:abuse', () => {
  it(`${values.connections} hostile connections and ${values.frames} mutated frames while ${values.messages} messages go through`, async () => {
    const dir = mkdtempSync(join(values.dir, 'rocketnest-abuse-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const figures = await hostileClients({
      connections: Number(values.connections),
      frames: Number(values.frames),
      messages: Number(values.messages),
      dir,
      log: (line) => console.log(`  ${line}`),
    });
    console.log(`\ntest:abuse on node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}:`, figures);
    assert.equal(figures.brokerAlive, true);
    assert.equal(figures.lost, 0);
    assert.ok(figures.acknowledged >= Number(values.messages) * 0.99, `acknowledged ${figures.acknowledged}`);
    assert.ok(figures.brokerRssMaxMiB < 1024, `broker memory bounded: ${figures.brokerRssMaxMiB} MiB`);
  });
});
