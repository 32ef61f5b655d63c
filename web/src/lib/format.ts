// Formatting of what the API returns, for people. Pure functions (unit-tested with Node).

// API times are UTC without a zone suffix: "2026-11-23T09:56:35.934".
export function parseApiTime(text: string): Date {
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : text + 'Z');
}

// "2026-11-23 09:56 UTC"
export function formatTime(text: string): string {
  if (!text) return '';
  const d = parseApiTime(text);
  if (isNaN(d.getTime())) return text;
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

// "3 min ago", "2 h ago", "5 d ago" relative to `now`.
export function formatAgo(text: string, now: Date): string {
  const seconds = Math.round((now.getTime() - parseApiTime(text).getTime()) / 1000);
  if (!isFinite(seconds)) return '';
  if (seconds < 60) return `${Math.max(seconds, 0)} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

// Money with the precision it needs: "$14.85", "$0.0042"; null means the catalog has no price.
export function formatMoney(amount: number | null | undefined, currency = 'USD'): string {
  if (amount === null || amount === undefined || !isFinite(amount)) return '—';
  const symbol = currency === 'USD' ? '$' : currency === 'CNY' ? '¥' : currency + ' ';
  const abs = Math.abs(amount);
  const digits = abs === 0 || abs >= 1 ? 2 : abs >= 0.001 ? 4 : 6;
  return (amount < 0 ? '-' : '') + symbol + abs.toFixed(digits);
}

// 1234 → "1,234"; 1234567 → "1.23 M"
export function formatCount(n: number): string {
  if (!isFinite(n)) return '—';
  if (Math.abs(n) >= 1e9) return (n / 1e9).toFixed(2) + ' B';
  if (Math.abs(n) >= 1e6) return (n / 1e6).toFixed(2) + ' M';
  return Math.round(n).toLocaleString('en-US');
}

// ready/target as a fraction for a progress bar, clamped to [0, 1]; 0/0 is full.
export function readyFraction(ready: number, target: number): number {
  if (target <= 0) return 1;
  return Math.min(1, Math.max(0, ready / target));
}

// The badge colour class of a deployment status.
export function statusTone(status: string): 'ok' | 'busy' | 'bad' | 'idle' {
  switch (status) {
    case 'RUNNING':
      return 'ok';
    case 'PENDING':
    case 'UPDATING':
    case 'DELETING':
      return 'busy';
    case 'FAILED':
    case 'UPDATING_FAILED':
      return 'bad';
    default:
      return 'idle';
  }
}

// The field of a form that a server error message names, e.g. "Invalid capacity (3), ..." →
// "capacity"; "ptu_capacity.input_tpm 200000000 needs ..." → "ptu_capacity.input_tpm".
// Longer names win, so "tpm_limit" is not mistaken for a part of "ptu_capacity.output_tpm".
export function fieldOfError(message: string, fields: string[]): string | null {
  const sorted = [...fields].sort((a, b) => b.length - a.length);
  for (const field of sorted) {
    const pattern = new RegExp(`(^|[^A-Za-z0-9_.])${field.replace(/\./g, '\\.')}($|[^A-Za-z0-9_])`);
    if (pattern.test(message)) return field;
  }
  return null;
}

// Start of the UTC day / month, as the API's date form "YYYY-MM-DD".
export function utcDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}
