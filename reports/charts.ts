// Vector line charts drawn with pdfkit paths: axes, grid, labelled ticks, one step line per
// series. Values arrive as exact decimal strings; they become JS numbers here only to place points
// on the page (a coordinate cannot be finer than a printer's dot anyway). The value printed for each
// series (its final total, in the legend) is its exact decimal string; axis ticks are round numbers
// printed at the step's own precision, marks on a ruler rather than figures of the books.
import { parseExact } from '../audit/lots/decimal-math.js';
import { colors, fonts, type Pdf } from './pdf-document.js';
import { groupDigits, winAnsiText } from './pdf-text.js';
import type { SeriesPoint } from './report-data.js';

export type ChartSeries = { label: string; points: readonly SeriesPoint[]; color: string; dash?: boolean };
export type ChartBox = { x: number; y: number; width: number; height: number };

const plot_padding = { left: 58, right: 10, top: 22, bottom: 30 };

/** Draws a cumulative step chart over [from, to) inside `box`; each series starts at 0 at `from`. */
export function drawStepChart(
  doc: Pdf,
  box: ChartBox,
  title: string,
  unit: string,
  period: { from: string; to: string },
  series: readonly ChartSeries[],
): void {
  const plot = {
    x: box.x + plot_padding.left,
    y: box.y + plot_padding.top,
    width: box.width - plot_padding.left - plot_padding.right,
    height: box.height - plot_padding.top - plot_padding.bottom,
  };
  const from_ms = Date.parse(period.from);
  const to_ms = Date.parse(period.to);
  // Drawing only: numbers for coordinates (see the header).
  const values = series.flatMap((line) => line.points.map((point) => toCoordinate(point.value)));
  const { low, high, step } = niceScale(Math.min(0, ...values), Math.max(0, ...values));
  const xOf = (time_ms: number) => plot.x + ((time_ms - from_ms) / (to_ms - from_ms)) * plot.width;
  const yOf = (value: number) => plot.y + plot.height - ((value - low) / (high - low)) * plot.height;

  doc.save();
  doc
    .font(fonts.bold)
    .fontSize(9)
    .fillColor(colors.text)
    .text(winAnsiText(`${title} (${unit})`), box.x, box.y, { width: box.width, lineBreak: false });
  // Grid and value ticks.
  doc.font(fonts.regular).fontSize(6.5);
  for (let tick = 0; tick <= Math.round((high - low) / step); tick += 1) {
    const value = low + tick * step;
    const y = yOf(value);
    doc
      .moveTo(plot.x, y)
      .lineTo(plot.x + plot.width, y)
      .lineWidth(0.25)
      .strokeColor('#d0d0d0')
      .stroke();
    doc
      .fillColor(colors.muted)
      .text(tickLabel(value, step), box.x, y - 3, { width: plot_padding.left - 4, align: 'right', lineBreak: false });
  }
  // Time ticks: the period's start, end and three points between, as UTC dates.
  for (let tick = 0; tick <= 4; tick += 1) {
    const time_ms = from_ms + ((to_ms - from_ms) * tick) / 4;
    const x = xOf(time_ms);
    doc
      .moveTo(x, plot.y + plot.height)
      .lineTo(x, plot.y + plot.height + 3)
      .lineWidth(0.5)
      .strokeColor(colors.rule)
      .stroke();
    const label = new Date(Math.floor(time_ms)).toISOString().slice(0, 10);
    doc
      .fillColor(colors.muted)
      .text(label, x - 30, plot.y + plot.height + 5, { width: 60, align: 'center', lineBreak: false });
  }
  // Axes, with the zero line stronger.
  doc
    .moveTo(plot.x, plot.y)
    .lineTo(plot.x, plot.y + plot.height)
    .lineTo(plot.x + plot.width, plot.y + plot.height)
    .lineWidth(0.8)
    .strokeColor(colors.text)
    .stroke();
  doc
    .moveTo(plot.x, yOf(0))
    .lineTo(plot.x + plot.width, yOf(0))
    .lineWidth(0.6)
    .strokeColor(colors.rule)
    .stroke();
  // Series as steps: a cumulative value holds until the next event.
  for (const line of series) {
    let x = xOf(from_ms);
    let y = yOf(0);
    doc.moveTo(x, y);
    for (const point of line.points) {
      const next_x = xOf(Date.parse(point.time));
      const next_y = yOf(toCoordinate(point.value));
      doc.lineTo(next_x, y).lineTo(next_x, next_y);
      x = next_x;
      y = next_y;
    }
    doc.lineTo(xOf(to_ms), y);
    if (line.dash === true) doc.dash(3, { space: 2 });
    doc.lineWidth(1.2).strokeColor(line.color).stroke();
    doc.undash();
  }
  // Legend with each series' final value, exact.
  let legend_x = plot.x + 4;
  doc.fontSize(6.5);
  for (const line of series) {
    const final = line.points.length === 0 ? '0' : line.points[line.points.length - 1]!.value;
    const text = winAnsiText(`${line.label}: ${groupDigits(final)}${line.points.length === 0 ? ' (none)' : ''}`);
    doc
      .moveTo(legend_x, plot.y + 4)
      .lineTo(legend_x + 12, plot.y + 4)
      .lineWidth(1.2)
      .strokeColor(line.color)
      .stroke();
    doc.fillColor(colors.text).text(text, legend_x + 15, plot.y + 1, { lineBreak: false });
    legend_x += 15 + doc.widthOfString(text) + 12;
  }
  doc.restore();
  doc.fillColor(colors.text).strokeColor(colors.text).font(fonts.regular);
}

/** A decimal string as a coordinate. Drawing only: never printed, never summed into a figure. */
function toCoordinate(value: string): number {
  const decimal = parseExact(value, 'chart value');
  return Number(decimal.units) / 10 ** decimal.scale;
}

/** A scale from a low to a high value with a round step (1, 2 or 5 × 10^n) and about five ticks. */
export function niceScale(minimum: number, maximum: number): { low: number; high: number; step: number } {
  if (maximum - minimum <= 0) return { low: minimum - 1, high: maximum + 1, step: 1 };
  const raw_step = (maximum - minimum) / 5;
  const power = 10 ** Math.floor(Math.log10(raw_step));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= raw_step)!;
  return { low: Math.floor(minimum / step) * step, high: Math.ceil(maximum / step) * step, step };
}

/** A tick value printed from a decimal string built from the step's own decimals, so 0.1 + 0.2 never shows as 0.30000000000000004. */
function tickLabel(value: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return groupDigits(value.toFixed(decimals).replace(/^-(0(\.0+)?)$/, '$1'));
}
