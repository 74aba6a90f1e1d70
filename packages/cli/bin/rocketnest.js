#!/usr/bin/env -S node --single-threaded-gc --initial-old-space-size=32
// The command, built by `npm ci` (the root prepare script runs tsc -b).
//
// The V8 flags above are the broker's heap settings, as RocketMQ's runbroker.sh sets the JVM's.
// A broker's live heap is small (about 8 MB), so V8 keeps its old-generation limit close to it,
// and with 16 MB of young generation it kept starting a full mark-compact every 0.4 s (3 to 7 ms
// pauses); a floor of 32 MB stops that. On two cores shared with clients, the GC's helper
// threads are often off-CPU and the main thread waits for them: single-threaded pauses are
// shorter. At 10,000 msg/s end to end on this 2-core VM the broker's GC fell from 26 to 15 ms a
// second and the per-second p99 from 5-9 ms to 2-4 ms. Spawn the command with these flags
// (see test/src/support/cli.ts) when not running this file directly.
import '../dist/main.js';
