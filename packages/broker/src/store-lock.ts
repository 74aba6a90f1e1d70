import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync, realpathSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { platform, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Another process holds the store. */
export class StoreInUseError extends Error {}

/**
 * One broker per store: a lock the operating system holds for this process, a listening Unix
 * socket named after the store's real path (in Linux's abstract namespace, so no file is left
 * behind). The kernel releases it when the process ends, however it ends, so a SIGKILLed broker
 * never leaves a stale lock; a second process is refused before it reads or writes a file of the
 * store. Whoever asks is told the holder's pid.
 */
export class StoreLock {
  private constructor(
    private readonly server: Server,
    private readonly path: string | undefined,
  ) {}

  static async acquire(root: string): Promise<StoreLock> {
    let real: string;
    try {
      mkdirSync(root, { recursive: true });
      accessSync(root, constants.W_OK);
      real = realpathSync(root);
    } catch (error) {
      throw new Error(
        `storePathRootDir ${root} cannot hold a store: ${(error as Error).message}; give a directory this user can create and write`,
        { cause: error },
      );
    }
    const hash = createHash('sha256').update(real).digest('hex').slice(0, 32);
    const linux = platform() === 'linux';
    const name = linux ? `\0rocketnest-store-${hash}` : join(tmpdir(), `rocketnest-store-${hash}.sock`);
    const server = createServer((socket) => socket.end(`${process.pid}\n`));
    for (let attempt = 0; ; attempt++) {
      const error = await listen(server, name);
      if (!error) break;
      if (error.code !== 'EADDRINUSE') {
        throw new Error(`cannot lock the store at ${root}: ${error.message}`, { cause: error });
      }
      const holder = await holderOf(name);
      // A socket file left by a process that died (not on Linux): nobody answers; take it over.
      if (holder === undefined && !linux && attempt === 0) {
        rmSync(name, { force: true });
        continue;
      }
      throw new StoreInUseError(
        `the store at ${root} is in use by another process${holder ? ` (pid ${holder})` : ''}: a store is opened by one broker at a time; stop that broker, or give this one another storePathRootDir`,
      );
    }
    server.unref();
    return new StoreLock(server, linux ? undefined : name);
  }

  async release(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.path) rmSync(this.path, { force: true });
  }
}

function listen(server: Server, name: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const failed = (error: NodeJS.ErrnoException) => resolve(error);
    server.once('error', failed);
    server.listen(name, () => {
      server.off('error', failed);
      resolve(undefined);
    });
  });
}

/** The pid the lock's holder answers with, or undefined when nobody answers within a second. */
function holderOf(name: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect(name);
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('error', () => {});
    socket.on('close', () => resolve(answer.trim() || undefined));
  });
}
