import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rocketnestArgs } from './support/cli.js';
import { temporaryDir } from './support/cluster.js';
import { RocketnestProcess } from './support/local-cluster.js';
import { freeBrokerPort } from './support/ports.js';

describe('one broker per store', () => {
  it('refuses a second broker on a store in use at once, before it touches a file of it', async () => {
    const dir = temporaryDir();
    const store = join(dir, 'store');
    const conf = async (name: string) => {
      const path = join(dir, `${name}.conf`);
      const port = await freeBrokerPort(new Set());
      writeFileSync(
        path,
        `listenPort=${port}\ngrpcServerPort=0\nbindAddress=127.0.0.1\nbrokerIP1=127.0.0.1\nstorePathRootDir=${store}\n`,
      );
      return path;
    };
    const first = await RocketnestProcess.start(['broker', '-c', await conf('first')]);
    after(() => first.stop());
    const files = ['abort', 'checkpoint'].map((name) => join(store, name));
    const before = files.map((file) => [statSync(file).mtimeMs, readFileSync(file)] as const);

    const second = spawnSync(process.execPath, rocketnestArgs('broker', '-c', await conf('second')), {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(second.status, 1);
    assert.match(
      `${second.stdout}${second.stderr}`,
      new RegExp(`the store at ${store} is in use by another process \\(pid ${first.child.pid}\\)`),
    );
    files.forEach((file, i) => {
      assert.equal(statSync(file).mtimeMs, before[i]![0], `${file} was touched`);
      assert.ok(readFileSync(file).equals(before[i]![1]), `${file} changed`);
    });
    assert.equal(await first.stop(), 0);
  });
});
