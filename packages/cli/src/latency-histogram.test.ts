import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LatencyHistogram } from './latency-histogram.js';

test('percentiles to 10 µs below 10 ms, and a reset forgets every sample', () => {
  const histogram = new LatencyHistogram();
  for (let i = 1; i <= 100; i++) histogram.record(i / 10); // 0.1 .. 10 ms
  assert.equal(histogram.count, 100);
  assert.equal(histogram.percentile(50), 5);
  assert.equal(histogram.percentile(99), 9.9);
  assert.equal(histogram.max, 10);
  histogram.reset();
  assert.equal(histogram.count, 0);
  assert.equal(histogram.percentile(99), 0);
  histogram.record(0.02);
  histogram.record(0.03);
  assert.equal(histogram.percentile(50), 0.02, 'nothing of the first samples is left in their buckets');
  assert.equal(histogram.percentile(100), 0.03);
  histogram.reset();
  for (const ms of [0.5, 5, 9.9]) histogram.record(ms);
  assert.equal(histogram.percentile(50), 5, 'buckets used before the reset count from zero again');
});

test('latencies over 10 ms keep 0.2% precision, in order, up to hours', () => {
  let previous = 0;
  for (let ms = 10; ms < 20_000_000; ms = ms * 1.013 + 0.01) {
    const histogram = new LatencyHistogram();
    histogram.record(ms);
    const reported = histogram.percentile(100);
    assert.ok(reported <= ms && reported >= ms * 0.998 - 0.01, `${ms} ms reported as ${reported} ms`);
    assert.ok(reported >= previous, `${ms} ms reported below a shorter latency (${reported} < ${previous})`);
    previous = reported;
  }
  const histogram = new LatencyHistogram();
  for (const ms of [1, 12.5, 250, 4_000, 1e9]) histogram.record(ms);
  assert.equal(histogram.percentile(20), 1);
  assert.ok(Math.abs(histogram.percentile(40) - 12.5) <= 0.025);
  assert.ok(Math.abs(histogram.percentile(60) - 250) <= 0.5);
  assert.ok(Math.abs(histogram.percentile(80) - 4_000) <= 8);
  assert.ok(histogram.percentile(100) > 21_000_000, 'a latency beyond the last bucket counts in it');
  assert.equal(histogram.max, 1e9);
});
