import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { StoreInUseError, StoreLock } from './store-lock.js';

const root = mkdtempSync(join(tmpdir(), 'rocketnest-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('StoreLock: one broker per store', () => {
  it('refuses a second holder, naming the first one’s pid, also by another path to the same directory, until released', async () => {
    const store = join(root, 'store-a');
    const lock = await StoreLock.acquire(store);
    await assert.rejects(StoreLock.acquire(store), (error: unknown) => {
      assert.ok(error instanceof StoreInUseError);
      assert.match(error.message, new RegExp(`in use by another process \\(pid ${process.pid}\\)`));
      assert.match(error.message, /give this one another storePathRootDir/);
      return true;
    });
    symlinkSync(store, join(root, 'link-a'));
    await assert.rejects(StoreLock.acquire(join(root, 'link-a')), StoreInUseError);
    await lock.release();
    await (await StoreLock.acquire(store)).release();
  });

  it('is held by the operating system: a SIGKILLed holder leaves no stale lock', async () => {
    const store = join(root, 'store-b');
    const module = fileURLToPath(new URL('./store-lock.js', import.meta.url));
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { StoreLock } = await import(${JSON.stringify(module)}); await StoreLock.acquire(${JSON.stringify(store)}); console.log('locked'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    await assert.rejects(StoreLock.acquire(store), new RegExp(`\\(pid ${holder.pid}\\)`));
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    await (await StoreLock.acquire(store)).release();
  });

  it('says which storePathRootDir cannot hold a store, and why', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, '');
    await assert.rejects(
      StoreLock.acquire(join(file, 'store')),
      new RegExp(
        `storePathRootDir ${file}/store cannot hold a store: ENOTDIR.*; give a directory this user can create and write`,
      ),
    );
  });
});
