import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { PeriodicTasks } from './index.js';

describe('PeriodicTasks', () => {
  it('runs each task every interval, reports a failure and keeps running, and stops everything at once', async () => {
    const failures: string[] = [];
    const tasks = new PeriodicTasks((error) => failures.push(error.message));
    let runs = 0;
    let rejected = 0;
    tasks.every(10, () => runs++);
    tasks.every(10, () => {
      rejected++;
      return Promise.reject(new Error(`rejection ${rejected}`));
    });
    tasks.every(10, () => {
      throw 'not an Error';
    });
    await sleep(100);
    tasks.stop();
    const stoppedAt = runs;
    assert.ok(runs >= 3, `ran ${runs} times`);
    assert.ok(rejected >= 3 && failures.includes('rejection 1') && failures.includes('not an Error'));
    await sleep(50);
    assert.equal(runs, stoppedAt);
  });
});
