// Picks the response type from an Accept header (RFC 9110 §12.5.1): the offered type with the
// highest q the client gives it, ties going to the order the client listed them in; a missing
// header accepts anything. null when nothing offered is acceptable.
export function negotiate<T extends string>(accept: string | undefined, offered: readonly T[]): T | null {
  if (accept === undefined || accept.trim() === '') return offered[0] ?? null;
  const ranges = accept
    .split(',')
    .slice(0, 64)
    .map((part, index) => {
      const [range = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
      const q_parameter = parameters.find((parameter) => parameter.startsWith('q='));
      const q = q_parameter === undefined ? 1 : Number(q_parameter.slice(2));
      return { range, q: Number.isFinite(q) ? q : 0, index };
    });
  let best: { type: T; q: number; specificity: number; index: number } | null = null;
  for (const type of offered) {
    const match = ranges
      .filter((item) => matches(item.range, type))
      .sort((left, right) => specificity(right.range) - specificity(left.range) || left.index - right.index)[0];
    if (match === undefined || match.q <= 0) continue;
    const candidate = { type, q: match.q, specificity: specificity(match.range), index: match.index };
    if (
      best === null ||
      candidate.q > best.q ||
      (candidate.q === best.q && candidate.specificity > best.specificity) ||
      (candidate.q === best.q && candidate.specificity === best.specificity && candidate.index < best.index)
    ) {
      best = candidate;
    }
  }
  return best?.type ?? null;
}

function matches(range: string, type: string): boolean {
  if (range === '*/*') return true;
  if (range.endsWith('/*')) return type.startsWith(range.slice(0, -1));
  return range === type;
}

function specificity(range: string): number {
  if (range === '*/*') return 0;
  return range.endsWith('/*') ? 1 : 2;
}
