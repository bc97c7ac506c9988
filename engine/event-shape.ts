// What the event schema cannot see: the whole value, `raw` included. PostgreSQL refuses U+0000 and
// lone surrogates in jsonb and text (an accepted event holding one would stop the audit store for
// good), and every recursive reader of JSON (canonicalJson, JSON.stringify) overflows the stack on
// deep enough nesting. The walk keeps its own stack, so no input can make the check itself overflow.

/** Deepest nesting of objects and arrays an event may have, the event object itself being level 1. */
export const event_depth_max = 64;
/** Problems listed per event: one is enough to reject it, a few help to fix it, thousands would flood the DLQ. */
export const shape_problems_listed_max = 8;
const path_segment_length_max = 64;

export type ShapeProblem = { path: string; message: string };
type Node = { value: unknown; key: string; parent: Node | undefined; depth: number };

const lone_surrogate_pattern = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const lone_surrogates_pattern = new RegExp(lone_surrogate_pattern.source, 'g');

/** Every string (values and keys) that cannot be stored, and every part nested too deep; at most a few. */
export function findUnstorableParts(input: unknown): ShapeProblem[] {
  const problems: ShapeProblem[] = [];
  const pending: Node[] = [{ value: input, key: '', parent: undefined, depth: 1 }];
  while (pending.length > 0 && problems.length < shape_problems_listed_max) {
    const node = pending.pop()!;
    if (typeof node.value === 'string') {
      const problem = textProblem(node.value);
      if (problem !== undefined) problems.push({ path: pathOf(node), message: problem });
      continue;
    }
    if (typeof node.value !== 'object' || node.value === null) continue;
    if (node.depth > event_depth_max) {
      problems.push({ path: topFieldOf(node), message: `nested deeper than ${event_depth_max} levels` });
      continue;
    }
    pushChildren(node, pending, problems);
  }
  return problems.slice(0, shape_problems_listed_max);
}

function pushChildren(node: Node, pending: Node[], problems: ShapeProblem[]): void {
  const container = node.value as Record<string, unknown>;
  const depth = node.depth + 1;
  if (Array.isArray(container)) {
    for (let index = container.length - 1; index >= 0; index -= 1)
      pending.push({ value: container[index], key: String(index), parent: node, depth });
    return;
  }
  const keys = Object.keys(container);
  for (let index = keys.length - 1; index >= 0; index -= 1) {
    const key = keys[index]!;
    const problem = textProblem(key);
    if (problem !== undefined) problems.push({ path: pathOf(node), message: `a key ${problem}` });
    pending.push({ value: container[key], key, parent: node, depth });
  }
}

function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'holds U+0000 (NUL), which cannot be stored';
  if (lone_surrogate_pattern.test(text))
    return 'holds a lone surrogate (U+D800 to U+DFFF alone), which is not Unicode text';
  return undefined;
}

/** `fees.0.amount`; a key is shown escaped and shortened, since it may itself be the problem. */
function pathOf(node: Node): string {
  const segments: string[] = [];
  for (let at: Node | undefined = node; at?.parent !== undefined; at = at.parent) segments.push(printable(at.key));
  return segments.length === 0 ? '(event)' : segments.reverse().join('.');
}

/** The event field a node is under: a path 64 levels long would say less than the field's name. */
function topFieldOf(node: Node): string {
  let at = node;
  while (at.parent?.parent !== undefined) at = at.parent;
  return at.parent === undefined ? '(event)' : printable(at.key);
}

function printable(key: string): string {
  return storableExcerpt(JSON.stringify(key).slice(1, -1), path_segment_length_max);
}

/**
 * At most `length_max` code units of `text` (a pair never split), NUL and lone surrogates shown as
 * U+FFFD: a rejection reason quotes the input, and must itself be storable and printable.
 */
export function storableExcerpt(text: string, length_max: number): string {
  let excerpt = text;
  if (text.length > length_max) {
    const end = /[\ud800-\udbff]/.test(text.charAt(length_max - 1)) ? length_max - 1 : length_max;
    excerpt = `${text.slice(0, end)}…`;
  }
  return excerpt.replaceAll('\u0000', '\ufffd').replace(lone_surrogates_pattern, '\ufffd');
}
