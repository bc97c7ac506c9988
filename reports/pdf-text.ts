// Text as the PDF's standard fonts can show it. Helvetica and Courier are embedded in every PDF
// reader (no font files, so nothing varies between machines), but they only cover Windows-1252
// (WinAnsi): a character outside it would print as a wrong glyph. Common symbols get a readable
// stand-in, anything else becomes '?', so what is printed never silently differs from the text.
// Also the small formatting helpers every PDF shares; figures are formatted from their exact
// decimal strings, never through a JS number.

/** Characters outside Latin-1 that WinAnsi (pdfkit's standard-font encoding) still has. */
const win_ansi_extra = new Set([
  0x0152, 0x0153, 0x0160, 0x0161, 0x0178, 0x017d, 0x017e, 0x0192, 0x02c6, 0x02dc, 0x2013, 0x2014, 0x2018, 0x2019,
  0x201a, 0x201c, 0x201d, 0x201e, 0x2020, 0x2021, 0x2022, 0x2026, 0x2030, 0x2039, 0x203a, 0x20ac, 0x2122,
]);

const stand_ins: Readonly<Record<string, string>> = {
  '→': '->',
  '←': '<-',
  '⇄': '<->',
  '↔': '<->',
  '−': '-',
  '≥': '>=',
  '≤': '<=',
  '≠': '!=',
  '≈': '~',
  '×': 'x',
  '÷': '/',
  'Ⓢ': 'S',
  '‖': '||',
  '✓': 'yes',
  '✗': 'no',
  '\u00a0': ' ',
  '\t': ' ',
};

export function winAnsiText(text: string): string {
  let out = '';
  for (const character of text) {
    const code = character.codePointAt(0)!;
    if (code === 0x0a || (code >= 0x20 && code <= 0x7e) || (code >= 0xa1 && code <= 0xff) || win_ansi_extra.has(code))
      out += character;
    else out += stand_ins[character] ?? '?';
  }
  return out;
}

/** `2024-03-01T10:00:01.120Z` → `2024-03-01 10:00:01.120 UTC`. */
export function humanTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)} UTC`;
}

/** Thousands separators on an exact decimal string, digits untouched: `-12345.678` → `-12,345.678`. */
export function groupDigits(decimal: string): string {
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(decimal);
  if (match === null) return decimal;
  return `${match[1]}${match[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${match[3] ?? ''}`;
}

/** A money figure for print: grouped digits, or the reason it has none. */
export function money(value: string | null, unknown = 'unpriced'): string {
  return value === null ? unknown : groupDigits(value);
}
