import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LatencyHistogram } from './latency-histogram.js';

test('percentiles to 10 µs, and a reset forgets every sample', () => {
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
  histogram.record(120_000);
  assert.equal(histogram.percentile(100), 59_999.99, 'latencies over 60 s count in the last bucket');
});
