/**
 * How deep a JSON value may nest where it enters (REST bodies): the schemas, the canonical JSON
 * and the redaction walk it recursively, so a body of 100,000 nested arrays would overflow the
 * stack (a 500) long before the size limit stops it.
 */
export const maxJsonDepth = 100;

/** Whether `value` nests arrays and objects deeper than `max` levels; iterative, so any depth is safe to ask about. */
export function nestsDeeperThan(value: unknown, max: number = maxJsonDepth): boolean {
  const stack: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 0 }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { node, depth } = next;
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push({ node: child, depth: depth + 1 });
  }
  return false;
}
