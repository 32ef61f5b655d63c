// Small building blocks shared by the pages: API error box, status badge, capacity bar, copy
// button, confirmation dialog, pager and the uPlot chart.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ApiError } from './lib/api';
import { readyFraction, statusTone } from './lib/format';

export function ErrorBox({ error }: { error?: ApiError | Error }) {
  if (!error) return null;
  const e = error as ApiError;
  return (
    <div class="error" role="alert">
      <strong>{e.status ? `${e.status} ` : ''}{e.code ?? 'Error'}</strong>: {e.message}
      {e.requestId ? <span class="muted"> (request {e.requestId})</span> : null}
    </div>
  );
}

export function Badge({ status }: { status: string }) {
  return <span class={`badge ${statusTone(status)}`}>{status}</span>;
}

export function CapacityBar({ ready, target }: { ready: number; target: number }) {
  const pct = Math.round(readyFraction(ready, target) * 100);
  return (
    <div class="capacity" title={`${ready} of ${target} units ready`}>
      <div class="bar" role="progressbar" aria-valuemin={0} aria-valuemax={target} aria-valuenow={ready}>
        <div class="fill" style={{ width: `${pct}%` }} />
      </div>
      <span>{ready}/{target}</span>
    </div>
  );
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Not a secure context (plain http on a LAN address): fall back to a selection.
    const area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button type="button" class="small" onClick={async () => setDone(await copyText(text))}>
      {done ? 'Copied' : label}
    </button>
  );
}

export function Confirm(props: {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div class="modal-back" onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}>
      <div class="modal" role="dialog" aria-modal="true" aria-label={props.title}>
        <h3>{props.title}</h3>
        <div>{props.children}</div>
        <div class="row">
          <button type="button" ref={ref} onClick={props.onCancel}>Cancel</button>
          <button type="button" class="danger" onClick={props.onConfirm}>{props.confirmLabel}</button>
        </div>
      </div>
    </div>
  );
}

export function Pager(props: { page: number; pageSize: number; total: number; onPage: (p: number) => void }) {
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize));
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label="pages">
      <button type="button" class="small" disabled={props.page <= 1} onClick={() => props.onPage(props.page - 1)}>Previous</button>
      <span>page {props.page} of {pages} ({props.total})</span>
      <button type="button" class="small" disabled={props.page >= pages} onClick={() => props.onPage(props.page + 1)}>Next</button>
    </nav>
  );
}

// A client-side page of `items`.
export function usePaged<T>(items: T[], pageSize = 20) {
  const [page, setPage] = useState(1);
  const pages = Math.max(1, Math.ceil(items.length / pageSize));
  const current = Math.min(page, pages);
  return {
    items: items.slice((current - 1) * pageSize, current * pageSize),
    pager: <Pager page={current} pageSize={pageSize} total={items.length} onPage={setPage} />,
  };
}

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
}

// A time chart: `times` in seconds since the epoch (UTC), one line or bar set per series.
// `range`: the x range in seconds (the period shown), so a single bar is not stretched.
export function Chart(props: { times: number[]; series: Series[]; bars?: boolean; title: string; range?: [number, number] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const width = Math.max(320, box.current.clientWidth);
    const paths = props.bars ? uPlot.paths.bars!({ size: [0.6, 40] }) : undefined;
    const plot = new uPlot(
      {
        width,
        height: 220,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.color, fill: props.bars ? s.color + '99' : undefined, paths }))],
        scales: {
          x: { time: true, range: (_u, min, max) => props.range ?? [min, max] },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        axes: [{}, { size: 70 }],
      },
      [props.times, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      box.current,
    );
    return () => plot.destroy();
  }, [props.times, props.series, props.bars, props.range?.[0], props.range?.[1]]);
  return (
    <figure class="chart" aria-label={props.title}>
      <figcaption>{props.title}</figcaption>
      <div ref={box} />
      {props.times.length === 0 ? <p class="muted">No data in this period.</p> : null}
    </figure>
  );
}
