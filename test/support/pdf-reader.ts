// Reading the PDFs back in tests, with no system tools: pdfjs-dist (pure JS, legacy build for
// Node) gives each page's text, and an optional PNG of a page (via @napi-rs/canvas, which
// pdfjs-dist installs as an optional dependency) for looking at a layout by eye.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

const standard_fonts = `${join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;

export type PdfText = { pages: string[]; text: string; info: Record<string, unknown> };

/** Every page's text, items joined by spaces and runs of whitespace collapsed. */
export async function readPdfText(bytes: Buffer): Promise<PdfText> {
  const pdf = await getDocument({
    data: new Uint8Array(bytes),
    verbosity: 0,
    standardFontDataUrl: standard_fonts,
    isEvalSupported: false,
  }).promise;
  try {
    const pages: string[] = [];
    for (let number = 1; number <= pdf.numPages; number += 1) {
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      pages.push(
        content.items
          .map((item) => ('str' in item ? item.str : ''))
          .join(' ')
          .replace(/\s+/g, ' ')
          .trim(),
      );
    }
    const metadata = await pdf.getMetadata();
    return { pages, text: pages.join('\n'), info: metadata.info as Record<string, unknown> };
  } finally {
    await pdf.destroy();
  }
}

/** `text` with its whitespace collapsed, to look for it in extracted text (line breaks become spaces). */
export function flat(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * `text` with every whitespace character removed, to find a value that a line break may have
 * split anywhere (a long file path wraps at a different place in every checkout).
 */
export function unbroken(text: string): string {
  return text.replace(/\s+/g, '');
}

/** One page as PNG (for a look at the layout); null when the canvas package is not installed. */
export async function renderPagePng(bytes: Buffer, page_number: number, scale = 1.5): Promise<Buffer | null> {
  // Optional (pdfjs-dist's optional dependency, a native build): typed here, not imported by name.
  type Canvas = {
    width: number;
    height: number;
    getContext(kind: '2d'): { fillStyle: string; fillRect(x: number, y: number, width: number, height: number): void };
    toBuffer(type: 'image/png'): Buffer;
  };
  let canvas_module: { createCanvas(width: number, height: number): Canvas };
  try {
    const name = '@napi-rs/canvas';
    canvas_module = (await import(name)) as typeof canvas_module;
  } catch {
    return null;
  }
  const pdf = await getDocument({
    data: new Uint8Array(bytes),
    verbosity: 0,
    standardFontDataUrl: standard_fonts,
    isEvalSupported: false,
  }).promise;
  try {
    const page = await pdf.getPage(page_number);
    const viewport = page.getViewport({ scale });
    const canvas = canvas_module.createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
    const context = canvas.getContext('2d');
    context.fillStyle = 'white';
    context.fillRect(0, 0, canvas.width, canvas.height);
    await page.render({ canvasContext: context as never, viewport }).promise;
    return canvas.toBuffer('image/png');
  } finally {
    await pdf.destroy();
  }
}

/** RFC 4180 records of a CSV text (quoted fields, doubled quotes, CRLF or LF line ends). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index]!;
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (character === '"') quoted = false;
      else field += character;
    } else if (character === '"') quoted = true;
    else if (character === ',') {
      record.push(field);
      field = '';
    } else if (character === '\r' || character === '\n') {
      if (character === '\r' && text[index + 1] === '\n') index += 1;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += character;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
