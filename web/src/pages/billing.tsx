// Usage and billing: a period, its totals, a chart per hour or day, lines per deployment and
// item, and a CSV of exactly the lines GET /api/v1/billing returned.
import { useMemo, useState } from 'preact/hooks';
import { api } from '../lib/api';
import { sumBy, toCsv } from '../lib/csv';
import { formatMoney, formatTime, parseApiTime, utcDate } from '../lib/format';
import { usePoll } from '../lib/hooks';
import { Chart, ErrorBox, usePaged } from '../ui';

function periodOf(preset: string, now: Date): { start: string; end: string } {
  const day = 86400000;
  const end = utcDate(new Date(now.getTime() + day));
  if (preset === 'today') return { start: utcDate(now), end };
  if (preset === '7d') return { start: utcDate(new Date(now.getTime() - 6 * day)), end };
  return { start: utcDate(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))), end };
}

export function BillingPage() {
  const [preset, setPreset] = useState('month');
  const [custom, setCustom] = useState(periodOf('month', new Date()));
  const [by, setBy] = useState<'hour' | 'day'>('day');
  const period = preset === 'custom' ? custom : periodOf(preset, new Date());
  const bill = usePoll(() => api('GET', `/billing?start=${period.start}&end=${period.end}`), 30000, [period.start, period.end]);
  const lines: any[] = bill.data?.lines ?? [];
  const chart = useMemo(() => {
    const buckets = sumBy(lines, (l) => (by === 'day' ? l.hour.slice(0, 10) + 'T00:00:00.000' : l.hour), (l) => l.amount);
    return {
      times: buckets.map((b) => parseApiTime(b.key).getTime() / 1000),
      series: [{ label: 'amount', values: buckets.map((b) => b.value), color: '#3b6fd8' }],
    };
  }, [bill.data, by]);
  const perItem = sumBy(lines, (l) => `${l.deployed_model}\u0000${l.item}`, (l) => l.amount);
  const paged = usePaged(lines, 25);
  const download = () => {
    const blob = new Blob([toCsv(lines)], { type: 'text/csv' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `berth-billing-${period.start}-${period.end}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  const value = (e: Event) => (e.target as HTMLInputElement).value;
  return (
    <section>
      <h2>Usage and billing</h2>
      <form class="row" onSubmit={(e) => e.preventDefault()}>
        <label for="period">Period</label>
        <select id="period" value={preset} onChange={(e) => setPreset(value(e))}>
          <option value="today">Today (UTC)</option>
          <option value="7d">Last 7 days</option>
          <option value="month">This month</option>
          <option value="custom">Custom…</option>
        </select>
        {preset === 'custom' ? (
          <>
            <label for="start">From</label>
            <input id="start" type="date" value={custom.start} onChange={(e) => setCustom({ ...custom, start: value(e) })} />
            <label for="end">to (exclusive)</label>
            <input id="end" type="date" value={custom.end} onChange={(e) => setCustom({ ...custom, end: value(e) })} />
          </>
        ) : null}
        <label for="by">Chart by</label>
        <select id="by" value={by} onChange={(e) => setBy(value(e) as 'hour' | 'day')}>
          <option value="day">day</option>
          <option value="hour">hour</option>
        </select>
        <button type="button" onClick={download} disabled={!bill.data}>Export CSV</button>
      </form>
      <ErrorBox error={bill.error} />
      {bill.data ? (
        <>
          <p id="bill-total">Total {formatTime(bill.data.start)} – {formatTime(bill.data.end)}: <strong>{formatMoney(bill.data.totals.amount, bill.data.currency)}</strong>
            {bill.data.totals.unpriced_lines ? ` · ${bill.data.totals.unpriced_lines} unpriced lines (${bill.data.totals.unpriced_tokens} tokens)` : ''}</p>
          <Chart title={`Amount per ${by} (${bill.data.currency})`} times={chart.times} series={chart.series} bars
            range={[parseApiTime(bill.data.start).getTime() / 1000, parseApiTime(bill.data.end).getTime() / 1000]} />
          <h3>Per deployment and item</h3>
          <table>
            <thead><tr><th>Deployment</th><th>Item</th><th>Amount</th></tr></thead>
            <tbody>
              {perItem.map((r) => {
                const [dm, item] = r.key.split('\u0000');
                return <tr><td>{dm}</td><td>{item}</td><td>{formatMoney(r.value, bill.data.currency)}</td></tr>;
              })}
            </tbody>
          </table>
          <h3>Lines</h3>
          <table>
            <thead><tr><th>Hour</th><th>Deployment</th><th>Item</th><th>Quantity</th><th>Unit price</th><th>Amount</th></tr></thead>
            <tbody>
              {paged.items.map((l) => (
                <tr><td>{formatTime(l.hour)}</td><td>{l.deployed_model}</td><td>{l.item}</td><td>{l.quantity} {l.unit}</td>
                  <td>{l.priced ? `${l.unit_price} ${bill.data.currency}/${l.unit}` : 'unpriced'}</td><td>{formatMoney(l.amount, bill.data.currency)}</td></tr>
              ))}
            </tbody>
          </table>
          {paged.pager}
        </>
      ) : null}
    </section>
  );
}
