// Plain-text tables for people: columns padded to their widest cell, numbers right-aligned. Cells
// come from events, so control characters are printed escaped (terminal-text.ts), which also keeps
// a cell on its row.
import { printable } from './terminal-text.js';

export function renderTable(
  header: readonly string[],
  cells: readonly (readonly string[])[],
  right_aligned: readonly boolean[] = [],
): string {
  const rows = cells.map((row) => row.map((cell) => printable(cell)));
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (right_aligned[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [render(header), render(widths.map((width) => '-'.repeat(width))), ...rows.map(render)].join('\n');
}
