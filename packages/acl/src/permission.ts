/** Permission bits of ACL 1.0 (Permission.java). */
export const Permission = {
  DENY: 1,
  ANY: 2,
  PUB: 4,
  SUB: 8,
} as const;

const RETRY_PREFIX = '%RETRY%';

/** Groups are kept as their retry topic, as RocketMQ keeps them, so one map holds both. */
export function groupResource(group: string): string {
  return RETRY_PREFIX + group;
}

export function isGroupResource(resource: string): boolean {
  return resource.startsWith(RETRY_PREFIX);
}

/** "topic:T" or "group:G", as RocketMQ names a resource in its refusals (PlainAccessResource.printStr). */
export function describeResource(resource: string): string {
  return isGroupResource(resource) ? `group:${resource.slice(RETRY_PREFIX.length)}` : `topic:${resource}`;
}

const PERMS: Record<string, number> = {
  PUB: Permission.PUB,
  SUB: Permission.SUB,
  'PUB|SUB': Permission.PUB | Permission.SUB,
  'SUB|PUB': Permission.PUB | Permission.SUB,
  DENY: Permission.DENY,
};

/** A permission as plain_acl.yml writes it; anything else (or nothing) is DENY, as RocketMQ reads it. */
export function parsePermission(text: string | undefined): number {
  return PERMS[text?.trim().toUpperCase() ?? ''] ?? Permission.DENY;
}

/**
 * "resource=PERM" entries of topicPerms or groupPerms. RocketMQ reads an unknown PERM as DENY;
 * a malformed entry throws naming it, as Permission.checkResourcePerms does when one is written.
 */
export function parseResourcePerms(entries: readonly string[], kind: 'topic' | 'group'): Map<string, number> {
  const perms = new Map<string, number>();
  for (const entry of entries) {
    const parts = entry.split('=');
    if (parts.length !== 2 || parts[0]!.trim() === '') {
      throw new Error(`${kind}Perms: "${entry}" is not resource=PERM (for example ${kind}A=SUB)`);
    }
    const name = parts[0]!.trim();
    if (!(parts[1]!.trim().toUpperCase() in PERMS)) {
      throw new Error(`${kind}Perms: "${entry}" has no permission RocketMQ knows: use DENY, PUB, SUB or PUB|SUB`);
    }
    perms.set(kind === 'group' ? groupResource(name) : name, parsePermission(parts[1]));
  }
  return perms;
}

/** Whether owned grants needed (Permission.checkPermission). */
export function checkPermission(needed: number, owned: number): boolean {
  if ((owned & Permission.DENY) !== 0) return false;
  if ((needed & Permission.ANY) !== 0) return (owned & (Permission.PUB | Permission.SUB)) !== 0;
  return (needed & owned) !== 0;
}
