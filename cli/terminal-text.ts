// Text from events (a rationale, an id, a venue's note) printed on a terminal: control characters
// in it could move the cursor, recolour or clear the screen, or rewrite what was printed before
// (`\x1b[2J`, `\r`), so they are printed escaped, as `\x1b` or `\u202e`, never as themselves.

const newline = 0x0a;

/** C0 and C1 controls, DEL, and the Unicode line separators and bidirectional controls that break or reorder displayed text. */
function isControlCharacter(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

function escaped(code: number): string {
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The text safe to print: every control character escaped; newlines kept only with `keep_newlines` (multi-line text). */
export function printable(text: string, options: { keep_newlines?: boolean } = {}): string {
  let result = '';
  let copied_to = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (!isControlCharacter(code) || (code === newline && options.keep_newlines === true)) continue;
    result += text.slice(copied_to, index) + escaped(code);
    copied_to = index + 1;
  }
  return copied_to === 0 ? text : result + text.slice(copied_to);
}
