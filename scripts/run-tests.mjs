#!/usr/bin/env node
// Runs every compiled test (packages/*/dist/**/*.test.js and test/dist/**/*.test.js) with
// Node's test runner. Listing the files here keeps the set the same on every Node version
// (Node 20 does not expand globs itself) and keeps benchmarks, which are not tests, out.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function testsUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testsUnder(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

const packages = readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name, 'dist'));
const files = [...packages, join(root, 'sample-app', 'dist'), join(root, 'test', 'dist')].flatMap(testsUnder);
if (files.length === 0) {
  console.error('no compiled tests found: run `npm run build` first');
  process.exit(1);
}
// A test that hangs fails after two minutes instead of holding CI until its limit.
const result = spawnSync(process.execPath, ['--test', '--test-timeout=120000', ...process.argv.slice(2), ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
