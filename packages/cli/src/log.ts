import type { Logger } from '@rocketnest/common';

function line(level: string, source: string, message: string): void {
  const time = new Date().toISOString().replace('T', ' ').replace('Z', '');
  process.stdout.write(`${time} ${level.padEnd(5)} [${source}] ${message}\n`);
}

/** One log for everything a server process says: timestamped lines on stdout. */
export function processLogger(source: string): Logger {
  return {
    info: (message) => line('INFO', source, message),
    warn: (message) => line('WARN', source, message),
    error: (message) => line('ERROR', source, message),
    debug: (message) => {
      if (process.env['ROCKETNEST_DEBUG']) line('DEBUG', source, message);
    },
  };
}
