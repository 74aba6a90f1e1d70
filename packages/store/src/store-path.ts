import { resolve, sep } from 'node:path';
import { quoteName, topicNameProblem } from '@rocketnest/protocol';

/** A path the store was asked to make that would not stay inside its directory. */
export class StorePathError extends Error {
  override readonly name = 'StorePathError';
}

/** Longest file name (NAME_MAX on Linux and macOS), in bytes. */
const NAME_MAX = 255;

/**
 * The path of names under root, each name one plain file name: no "/", "\", NUL, "." or "..", not
 * empty, at most 255 bytes. Every file and directory the store makes, opens or deletes goes
 * through here (or is a fixed or numbered name under such a path), so that a name from the
 * network that slipped past the broker's checks still cannot reach outside the store: the call
 * throws a StorePathError instead.
 */
export function pathUnder(root: string, ...names: string[]): string {
  for (const name of names) {
    if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name) || Buffer.byteLength(name) > NAME_MAX) {
      throw new StorePathError(
        `the store refused the file name ${quoteName(name)} under ${root}: a name must be one plain file name ` +
          `(not empty, ".", "..", nor with "/", "\\" or NUL, at most ${NAME_MAX} bytes)`,
      );
    }
  }
  const base = resolve(root);
  const path = resolve(base, ...names);
  if (!path.startsWith(base + sep)) {
    throw new StorePathError(`the store refused ${quoteName(path)}: it is not inside ${base}`);
  }
  return path;
}

/**
 * The directory of a topic's ConsumeQueues, consumequeue/<topic> under the store's root. The
 * topic must keep the rules of topic names, whatever the broker checked before.
 */
export function topicQueueDir(root: string, topic: string): string {
  const problem = topicNameProblem(topic);
  if (problem) throw new StorePathError(`the store has no ConsumeQueue for this topic: ${problem}`);
  return pathUnder(root, 'consumequeue', topic);
}
