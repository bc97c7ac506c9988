// Plain-text tables for people: columns padded to their widest cell, numbers right-aligned.
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], right_aligned: readonly boolean[] = []): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (right_aligned[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [render(header), render(widths.map((width) => '-'.repeat(width))), ...rows.map(render)].join('\n');
}
