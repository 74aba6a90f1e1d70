/** Where the transport reports what it cannot throw: dropped frames, closed peers, failed writes. */
export interface RemotingLogger {
  debug(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Warnings and errors to stderr; debug lines only when ROCKETNEST_DEBUG is set. */
export const consoleLogger: RemotingLogger = {
  debug: (message) => {
    if (process.env['ROCKETNEST_DEBUG']) console.debug(`[rocketnest remoting] ${message}`);
  },
  warn: (message) => console.warn(`[rocketnest remoting] ${message}`),
  error: (message) => console.error(`[rocketnest remoting] ${message}`),
};

/** Says nothing: for tests that provoke failures on purpose. */
export const silentLogger: RemotingLogger = { debug() {}, warn() {}, error() {} };
