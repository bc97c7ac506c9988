// The shared PDF layout: a heading is never left at the foot of a page with its table on the next.
import { describe, expect, it } from 'vitest';
import { createPdf, finishPdf, heading, pageBottom, paragraph, table } from './pdf-document.js';
import { readPdfText } from '../test/support/pdf-reader.js';

/** A document whose heading starts `room_pt` above the page's foot, followed by a note and a long table. */
function headingAt(room_pt: number): Buffer {
  const doc = createPdf({ title: 'layout', subject: 'keep with next', created_at: '2024-03-01T00:00:00.000Z' });
  paragraph(doc, 'Filler on the first page.');
  doc.y = pageBottom(doc) - room_pt;
  heading(doc, 'Section heading');
  paragraph(doc, 'Where the figures below come from, in a grey note of a line or two under the heading.', { size: 8 });
  const rows = Array.from({ length: 80 }, (_, index) => [`row-${index + 1}`, String(index * 10)]);
  table(
    doc,
    [
      { header: 'Column header', width: 2 },
      { header: 'Amount', width: 1, align: 'right' },
    ],
    rows,
  );
  return finishPdf(doc);
}

describe('headings', () => {
  it('keep with the start of their table wherever on the page they would land', async () => {
    for (let room_pt = 0; room_pt <= 260; room_pt += 10) {
      const { pages } = await readPdfText(headingAt(room_pt));
      const page = pages.find((text) => text.includes('Section heading'));
      expect(page, `${room_pt} pt left`).toBeDefined();
      // The heading's page carries the table's header and its first rows, never the heading alone.
      expect(page, `${room_pt} pt left`).toContain('Column header');
      expect(page, `${room_pt} pt left`).toContain('row-3 ');
    }
  });
});
