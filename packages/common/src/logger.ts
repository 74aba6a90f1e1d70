/**
 * Where a component reports what it cannot throw or return: recovery steps, dropped frames,
 * failed writes, boot lines. Every package takes this one shape.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * Lines to the console, each marked with its source (`[rocketnest store] ...`): info to stdout,
 * warnings and errors to stderr, debug lines only when ROCKETNEST_DEBUG is set.
 */
export function consoleLogger(source: string): Logger {
  const tag = `[rocketnest ${source}]`;
  return {
    debug: (message) => {
      if (process.env['ROCKETNEST_DEBUG']) console.debug(`${tag} ${message}`);
    },
    info: (message) => console.log(`${tag} ${message}`),
    warn: (message) => console.warn(`${tag} ${message}`),
    error: (message) => console.error(`${tag} ${message}`),
  };
}

/** Says nothing: for tests that provoke failures on purpose, and for callers that log elsewhere. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
