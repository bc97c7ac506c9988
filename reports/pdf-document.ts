// A pdfkit document that renders the same bytes from the same inputs, and the few layout pieces
// the reports share (headings, paragraphs, key-value blocks, tables that continue across pages,
// page footers).
//
// Determinism: pdfkit stamps `CreationDate` with the wall clock unless told otherwise, and derives
// the trailer's document ID from an MD5 of the info dictionary (CreationDate included), so fixing
// CreationDate and ModDate fixes both. Only the standard fonts are used (no font files, no subset
// tags), no images, and streams are deflated by zlib at its defaults, which is deterministic for
// the same input. pdfkit writes the whole file synchronously on `end()` when nothing is pending
// (standard fonts, no images), so the bytes are read straight from the stream's buffer.
import PDFDocument from 'pdfkit';
import { winAnsiText } from './pdf-text.js';

export type Pdf = PDFKit.PDFDocument;

export const page_margin = 48;
export const fonts = { regular: 'Helvetica', bold: 'Helvetica-Bold', mono: 'Courier' } as const;
export const colors = {
  text: '#111111',
  muted: '#555555',
  rule: '#999999',
  header_fill: '#e8e8e8',
  warning: '#9a3412',
} as const;

export type DocumentInfo = { title: string; subject: string; keywords?: string; created_at: string };

export function createPdf(info: DocumentInfo): Pdf {
  const created = new Date(info.created_at);
  if (Number.isNaN(created.getTime())) throw new RangeError(`PDF creation date '${info.created_at}' is not a time`);
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: page_margin, bottom: page_margin, left: page_margin, right: page_margin },
    bufferPages: true,
    autoFirstPage: true,
    info: {
      Title: winAnsiText(info.title),
      Subject: winAnsiText(info.subject),
      Author: 'Keel',
      Creator: 'Keel reports',
      Producer: 'Keel reports (pdfkit)',
      Keywords: winAnsiText(info.keywords ?? ''),
      CreationDate: created,
      ModDate: created,
    },
  });
  doc.font(fonts.regular).fillColor(colors.text);
  return doc;
}

/** Ends the document and returns its bytes (see the determinism note above). */
export function finishPdf(doc: Pdf): Buffer {
  doc.end();
  const chunks: Buffer[] = [];
  for (let chunk = doc.read() as Buffer | null; chunk !== null; chunk = doc.read() as Buffer | null) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  // pdfkit finishes synchronously here; if a future version did not, the file would be cut short.
  if (!bytes.subarray(-16).toString('latin1').includes('%%EOF'))
    throw new Error('pdfkit did not finish the document synchronously');
  return bytes;
}

export function contentWidth(doc: Pdf): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

export function pageBottom(doc: Pdf): number {
  return doc.page.height - doc.page.margins.bottom;
}

/** Starts a new page when fewer than `height` points are left on this one. */
export function ensureSpace(doc: Pdf, height: number): void {
  if (doc.y + height > pageBottom(doc)) doc.addPage();
}

/**
 * What a heading keeps with it on its page: a note of two or three lines, a table's header and its
 * first few rows. A heading with less room below it starts the next page instead of being left
 * alone at the foot of this one (with its table on the next).
 */
export const heading_keep_with_next_pt = 110;

/** A heading, on a new page unless `keep_with_next_pt` (what follows it) fits below it on this one. */
export function heading(doc: Pdf, text: string, size = 14, keep_with_next_pt = heading_keep_with_next_pt): void {
  ensureSpace(doc, size * 2.5 + keep_with_next_pt);
  doc.moveDown(0.6);
  doc
    .font(fonts.bold)
    .fontSize(size)
    .fillColor(colors.text)
    .text(winAnsiText(text), doc.page.margins.left, doc.y, { width: contentWidth(doc) });
  doc.moveDown(0.3);
  doc.font(fonts.regular);
}

export function paragraph(
  doc: Pdf,
  text: string,
  options: { size?: number; color?: string; font?: string } = {},
): void {
  doc
    .font(options.font ?? fonts.regular)
    .fontSize(options.size ?? 9)
    .fillColor(options.color ?? colors.text)
    .text(winAnsiText(text), doc.page.margins.left, doc.y, { width: contentWidth(doc), lineGap: 1 });
  doc.fillColor(colors.text).font(fonts.regular);
}

/** Label: value lines, the labels in a fixed-width bold column. */
export function keyValues(
  doc: Pdf,
  rows: readonly (readonly [string, string])[],
  options: { label_width?: number; size?: number } = {},
): void {
  const label_width = options.label_width ?? 130;
  const size = options.size ?? 8.5;
  const left = doc.page.margins.left;
  const value_width = contentWidth(doc) - label_width;
  for (const [label, value] of rows) {
    doc.fontSize(size);
    const text = winAnsiText(value);
    const height = Math.max(
      doc.font(fonts.regular).heightOfString(text, { width: value_width }),
      doc.font(fonts.bold).heightOfString(winAnsiText(label), { width: label_width - 6 }),
    );
    ensureSpace(doc, height + 2);
    const top = doc.y;
    doc.font(fonts.bold).text(winAnsiText(label), left, top, { width: label_width - 6 });
    doc.font(fonts.regular).text(text, left + label_width, top, { width: value_width });
    doc.y = top + height + 2;
  }
  doc.x = left;
}

export type Column = { header: string; width: number; align?: 'left' | 'right'; font?: string };

/**
 * A table with a header row, repeated on every page it continues on. Column widths are fractions
 * of the content width (they are scaled to fill it). `on_row` reports progress for long tables.
 */
export function table(
  doc: Pdf,
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  options: { size?: number; on_row?: (index: number) => void } = {},
): void {
  const size = options.size ?? 7.5;
  const left = doc.page.margins.left;
  const total = columns.reduce((sum, column) => sum + column.width, 0);
  const widths = columns.map((column) => (column.width / total) * contentWidth(doc));
  const padding = 3;
  const measure = (cells: readonly string[], font_of: (index: number) => string) =>
    Math.max(
      ...cells.map((cell, index) =>
        doc
          .font(font_of(index))
          .fontSize(size)
          .heightOfString(winAnsiText(cell), { width: widths[index]! - 2 * padding }),
      ),
    ) +
    2 * padding;
  const drawRow = (cells: readonly string[], font_of: (index: number) => string, fill: string | null) => {
    const height = measure(cells, font_of);
    const top = doc.y;
    if (fill !== null) doc.rect(left, top, contentWidth(doc), height).fill(fill);
    let x = left;
    cells.forEach((cell, index) => {
      doc
        .font(font_of(index))
        .fontSize(size)
        .fillColor(colors.text)
        .text(winAnsiText(cell), x + padding, top + padding, {
          width: widths[index]! - 2 * padding,
          align: columns[index]!.align ?? 'left',
        });
      x += widths[index]!;
    });
    doc
      .moveTo(left, top + height)
      .lineTo(left + contentWidth(doc), top + height)
      .lineWidth(0.3)
      .strokeColor(colors.rule)
      .stroke();
    doc.y = top + height;
  };
  const header = columns.map((column) => column.header);
  const header_font = () => fonts.bold;
  const body_font = (index: number) => columns[index]!.font ?? fonts.regular;
  ensureSpace(doc, measure(header, header_font) + measure(rows[0] ?? header, body_font));
  drawRow(header, header_font, colors.header_fill);
  rows.forEach((row, index) => {
    if (doc.y + measure(row, body_font) > pageBottom(doc)) {
      doc.addPage();
      drawRow(header, header_font, colors.header_fill);
    }
    drawRow(row, body_font, null);
    options.on_row?.(index);
  });
  doc.x = left;
  doc.moveDown(0.4);
}

/** "<left text>    page N of M" at the foot of every buffered page. */
export function footers(doc: Pdf, left_text: string): void {
  const range = doc.bufferedPageRange();
  for (let index = range.start; index < range.start + range.count; index += 1) {
    doc.switchToPage(index);
    const bottom_margin = doc.page.margins.bottom;
    // Writing inside the bottom margin would make pdfkit start a new page.
    doc.page.margins.bottom = 0;
    const y = doc.page.height - bottom_margin + 16;
    doc.font(fonts.regular).fontSize(7).fillColor(colors.muted);
    doc.text(winAnsiText(left_text), doc.page.margins.left, y, { width: contentWidth(doc) * 0.75, lineBreak: false });
    doc.text(`page ${index + 1} of ${range.count}`, doc.page.margins.left, y, {
      width: contentWidth(doc),
      align: 'right',
      lineBreak: false,
    });
    doc.page.margins.bottom = bottom_margin;
  }
  doc.fillColor(colors.text);
}
