/**
 * Number formatting shared by the terminal tables and the HTML report, so both
 * show the same figures. O(1) per cell.
 */
import type { Column, ColumnFormat, Table } from './experiment.js';

/** Format one cell by its column's format. Text cells pass through. */
export function formatCell(value: number | string, format: ColumnFormat = 'fixed2'): string {
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  switch (format) {
    case 'int':
      return Math.round(value).toLocaleString('en-US');
    case 'percent':
      return `${(value * 100).toFixed(Math.abs(value) < 0.001 && value !== 0 ? 3 : Math.abs(value) < 0.1 ? 2 : 1)}%`;
    case 'fixed1':
      return value.toFixed(1);
    case 'fixed3':
      return value.toFixed(3);
    case 'text':
      return String(value);
    default:
      return value.toFixed(2);
  }
}

/** A column's header: its label with the unit in parentheses. */
export function columnHeader(c: Column): string {
  return c.unit && c.format !== 'percent' ? `${c.label} (${c.unit})` : c.format === 'percent' ? `${c.label} (%)` : c.label;
}

/** The table as rows of display strings (header first). */
export function tableStrings(t: Table): string[][] {
  return [t.columns.map(columnHeader), ...t.rows.map((r) => r.map((v, i) => formatCell(v, t.columns[i]?.format)))];
}
