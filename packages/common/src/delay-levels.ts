/** RocketMQ's default messageDelayLevel: levels 1 to 18. */
export const DEFAULT_DELAY_LEVELS = '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The delay in ms of each level (index 0 is level 1), from messageDelayLevel. */
export function parseDelayLevels(text: string): number[] {
  return text
    .trim()
    .split(/\s+/)
    .map((level) => {
      // ms is RocketNest's: tests and latency-sensitive users want levels under a second.
      const match = /^(\d+)(ms|s|m|h|d)$/.exec(level);
      if (!match) throw new RangeError(`messageDelayLevel: "${level}" is not a number followed by ms, s, m, h or d`);
      return Number(match[1]) * UNIT_MS[match[2]!]!;
    });
}
