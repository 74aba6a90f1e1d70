import { spawn } from 'node:child_process';

/**
 * `npm <args>` as a user runs it (through the npm running this test when there is one), in a
 * process group of its own. npm's children outlive it when it does not pass a signal on, so the
 * run is over when its pipes close (every process holding them has exited), not when npm exits.
 */
export function npmRun(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const npm = process.env['npm_execpath'];
  const child = spawn(npm ? process.execPath : 'npm', npm ? [npm, ...args] : args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const closed = new Promise<void>((resolve) => child.stdout.once('close', () => resolve()));
  return {
    output: () => output,
    /** SIGTERM to npm alone, as a process manager sends it. */
    terminateNpm: () => child.kill('SIGTERM'),
    /** Resolves once every process of the run has exited; after timeoutMs it kills them all and rejects. */
    async ended(timeoutMs: number): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still running ${timeoutMs} ms later:\n${output}`)), timeoutMs);
      });
      try {
        await Promise.race([closed, late]);
      } finally {
        clearTimeout(timer);
        if (!child.stdout.closed) process.kill(-child.pid!, 'SIGKILL');
      }
    },
  };
}
