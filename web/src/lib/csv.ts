// CSV export of the billing API's lines: one column per field the API returned, in its order,
// values exactly as returned (RFC 4180 quoting). Pure.

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}

export function toCsv(rows: Record<string, unknown>[]): string {
  const columns: string[] = [];
  for (const row of rows) {
    for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  }
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}

// Sums by a key: [{key, amount, quantity}] in first-seen order.
export function sumBy<T>(rows: T[], key: (row: T) => string, value: (row: T) => number) {
  const out = new Map<string, number>();
  for (const row of rows) out.set(key(row), (out.get(key(row)) ?? 0) + value(row));
  return [...out.entries()].map(([k, v]) => ({ key: k, value: Math.round(v * 1e6) / 1e6 }));
}
