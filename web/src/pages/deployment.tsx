// A deployment's page: overview with copyable calls, actions, replicas, events, hourly token
// usage as a chart and its cost so far this month. Polled every 2 s (usage and cost every 10 s).
import { useMemo, useState } from 'preact/hooks';
import { api, enc } from '../lib/api';
import { formatCount, formatMoney, formatTime, parseApiTime, utcDate } from '../lib/format';
import { useAction, usePoll } from '../lib/hooks';
import { Badge, CapacityBar, Chart, Confirm, CopyButton, ErrorBox, usePaged } from '../ui';
import type { Deployment } from './deployments';

function snippets(id: string) {
  const base = location.origin;
  return {
    curl: `curl ${base}/compatible-mode/v1/chat/completions \\\n  -H "Authorization: Bearer $DASHSCOPE_API_KEY" -H 'Content-Type: application/json' \\\n  -d '{"model": "${id}", "messages": [{"role": "user", "content": "hello"}]}'`,
    'OpenAI SDK': `from openai import OpenAI\nclient = OpenAI(base_url="${base}/compatible-mode/v1", api_key=KEY)\nprint(client.chat.completions.create(model="${id}",\n      messages=[{"role": "user", "content": "hello"}]).choices[0].message.content)`,
    'Python SDK': `import dashscope\ndashscope.base_http_api_url = "${base}/api/v1"\nprint(dashscope.Generation.call(api_key=KEY, model="${id}",\n      messages=[{"role": "user", "content": "hello"}], result_format="message"))`,
  } as Record<string, string>;
}

function Calls({ id }: { id: string }) {
  const all = snippets(id);
  const [tab, setTab] = useState('curl');
  return (
    <div class="calls">
      <div role="tablist" class="row">
        {Object.keys(all).map((k) => (
          <button type="button" role="tab" aria-selected={k === tab} class={`small ${k === tab ? 'active' : ''}`} onClick={() => setTab(k)}>{k}</button>
        ))}
        <CopyButton text={all[tab]} />
      </div>
      <pre>{all[tab]}</pre>
    </div>
  );
}

function Actions({ d, reload }: { d: Deployment; reload: () => void }) {
  const action = useAction();
  const [capacity, setCapacity] = useState(String(d.capacity));
  const [inputTpm, setInputTpm] = useState(String(d.ptu_capacity?.input_tpm ?? 10000));
  const [outputTpm, setOutputTpm] = useState(String(d.ptu_capacity?.output_tpm ?? 1000));
  const [rpm, setRpm] = useState(d.rpm_limit ? String(d.rpm_limit) : '');
  const [tpm, setTpm] = useState(d.tpm_limit ? String(d.tpm_limit) : '');
  const [confirming, setConfirming] = useState(false);
  const path = `/deployments/${enc(d.deployed_model)}`;
  const act = async (method: string, suffix: string, body?: unknown) => {
    const ok = await action.run(() => api(method, path + suffix, body));
    if (ok) reload();
    return ok;
  };
  const value = (e: Event) => (e.target as HTMLInputElement).value;
  return (
    <div class="actions">
      {d.plan === 'mu' || d.plan === 'cu' ? (
        <form class="row" onSubmit={(e) => { e.preventDefault(); act('PUT', '/scale', { capacity: Number(capacity) }); }}>
          <label for="scale-capacity">Capacity</label>
          <input id="scale-capacity" type="number" min={0} step={d.base_capacity} value={capacity} onInput={(e) => setCapacity(value(e))} />
          <button type="submit" disabled={action.busy}>Scale</button>
        </form>
      ) : null}
      {d.plan === 'ptu' ? (
        <>
          <form class="row" onSubmit={(e) => { e.preventDefault(); act('PUT', '/scale', { ptu_capacity: { input_tpm: Number(inputTpm), output_tpm: Number(outputTpm) } }); }}>
            <label for="scale-in">Input TPM</label>
            <input id="scale-in" type="number" step={10000} value={inputTpm} onInput={(e) => setInputTpm(value(e))} />
            <label for="scale-out">Output TPM</label>
            <input id="scale-out" type="number" step={1000} value={outputTpm} onInput={(e) => setOutputTpm(value(e))} />
            <button type="submit" disabled={action.busy}>Scale</button>
          </form>
          <div class="row">
            Overflow: <strong>{d.overflow_strategy}</strong>
            <button type="button" class="small" disabled={action.busy}
              onClick={() => act('PUT', '/update-overflowstrategy', { overflow_strategy: d.overflow_strategy === 'enable' ? 'disable' : 'enable' })}>
              {d.overflow_strategy === 'enable' ? 'Disable overflow' : 'Enable overflow'}
            </button>
          </div>
        </>
      ) : null}
      {d.plan === 'mu' ? (
        <form class="row" onSubmit={(e) => { e.preventDefault(); act('PUT', '/update', { rpm_limit: rpm ? Number(rpm) : null, tpm_limit: tpm ? Number(tpm) : null }); }}>
          <label for="rpm">RPM limit</label>
          <input id="rpm" type="number" min={1} placeholder="none" value={rpm} onInput={(e) => setRpm(value(e))} />
          <label for="tpm">TPM limit</label>
          <input id="tpm" type="number" min={1} placeholder="none" value={tpm} onInput={(e) => setTpm(value(e))} />
          <button type="submit" disabled={action.busy}>Update limits</button>
        </form>
      ) : null}
      <div class="row">
        {d.status === 'STOPPED' || d.status === 'FAILED'
          ? <button type="button" disabled={action.busy} onClick={() => act('PUT', '/start')}>Start</button>
          : <button type="button" disabled={action.busy || d.status === 'DELETING'} onClick={() => act('PUT', '/stop')}>Stop</button>}
        <a class="button" href={`#/playground?model=${enc(d.deployed_model)}`}>Open in playground</a>
        <button type="button" class="danger" disabled={action.busy || d.status === 'DELETING'} onClick={() => setConfirming(true)}>Delete</button>
      </div>
      <ErrorBox error={action.error} />
      {confirming ? (
        <Confirm title="Delete deployment" confirmLabel={`Delete ${d.deployed_model}`}
          onCancel={() => setConfirming(false)}
          onConfirm={async () => { setConfirming(false); await act('DELETE', ''); }}>
          Delete <strong>{d.deployed_model}</strong>? Its replicas stop and it can no longer be called. Its events and usage are kept.
        </Confirm>
      ) : null}
    </div>
  );
}

function Usage({ id }: { id: string }) {
  const usage = usePoll(() => api('GET', `/deployments/${enc(id)}/usage`), 10000, [id]);
  const bill = usePoll(() => {
    const now = new Date();
    const start = utcDate(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)));
    return api('GET', `/billing?start=${start}&deployed_model=${enc(id)}`);
  }, 10000, [id]);
  const hours: any[] = usage.data?.hours ?? [];
  const chart = useMemo(() => ({
    times: hours.map((h) => parseApiTime(h.hour).getTime() / 1000),
    series: [
      { label: 'input tokens', values: hours.map((h) => h.input_tokens), color: '#3b6fd8' },
      { label: 'output tokens', values: hours.map((h) => h.output_tokens), color: '#d8833b' },
    ],
  }), [usage.data]);
  const t = usage.data?.totals;
  const range: [number, number] | undefined = usage.data
    ? [parseApiTime(usage.data.start).getTime() / 1000, parseApiTime(usage.data.end).getTime() / 1000]
    : undefined;
  return (
    <section>
      <h3>Usage (last 24 hours) and cost</h3>
      <ErrorBox error={usage.error ?? bill.error} />
      <p id="cost-so-far">Cost so far this month: <strong>{bill.data ? formatMoney(bill.data.totals.amount, bill.data.currency) : '…'}</strong>
        {t ? ` · ${formatCount(t.requests)} request${t.requests === 1 ? '' : 's'} · ${formatCount(t.total_tokens)} tokens · ${t.errors} errors · avg latency ${Math.round(t.avg_latency_ms)} ms` : ''}</p>
      <Chart title="Tokens per hour (UTC)" times={chart.times} series={chart.series} bars range={range} />
    </section>
  );
}

// One replica's row, with a toggle that shows the end of its engine log (fetched when opened
// and on Refresh). A runtime without engine logs answers an error, shown as any other.
function ReplicaRow({ path, r }: { path: string; r: any }) {
  const [open, setOpen] = useState(false);
  const [tail, setTail] = useState<{ log: string; truncated: boolean } | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const load = () => {
    api('GET', `${path}/replicas/${enc(r.replica_id)}/log`).then(
      (out) => { setTail(out); setError(undefined); },
      (e) => { setTail(undefined); setError(e); });
  };
  const toggle = () => { if (!open) load(); setOpen(!open); };
  return (
    <>
      <tr><td>{r.replica_id}{r.pid ? <div class="muted">pid {r.pid}, port {r.port}</div> : null}</td>
        <td>{r.state}</td><td>{r.units}</td><td>{r.restarts}</td><td>{formatTime(r.gmt_started)}</td><td>{r.last_error || '—'}</td>
        <td><button type="button" aria-expanded={open} onClick={toggle}>{open ? 'Hide log' : 'Log'}</button></td></tr>
      {open ? (
        <tr class="replica-log-row"><td colSpan={7}>
          <ErrorBox error={error} />
          {tail ? (
            <>
              <p class="muted">{tail.truncated ? 'The end of the engine log' : 'The engine log'}{' '}
                <button type="button" onClick={load}>Refresh</button></p>
              <pre class="replica-log" tabIndex={0}>{tail.log || '(empty)'}</pre>
            </>
          ) : null}
        </td></tr>
      ) : null}
    </>
  );
}

export function DeploymentPage({ id }: { id: string }) {
  const path = `/deployments/${enc(id)}`;
  const d = usePoll(() => api('GET', path), 2000, [id]);
  const replicas = usePoll(() => api('GET', path + '/replicas'), 2000, [id]);
  const events = usePoll(() => api('GET', path + '/events'), 2000, [id]);
  const dep = d.data as Deployment | undefined;
  const eventList: any[] = [...(events.data?.events ?? [])].reverse();
  const pagedEvents = usePaged(eventList, 15);
  const gone = d.error?.status === 404;
  return (
    <section>
      <p><a href="#/deployments">← Deployments</a></p>
      <h2>{id} {dep ? <Badge status={dep.status} /> : null}</h2>
      {gone ? <p class="notice">This deployment no longer exists (deleted). Its events remain below.</p> : <ErrorBox error={d.error} />}
      {dep ? (
        <>
          <dl class="overview">
            <dt>Model</dt><dd>{dep.model_name}{dep.base_model !== dep.model_name ? ` (base ${dep.base_model})` : ''}</dd>
            <dt>Plan</dt><dd>{dep.plan}{dep.model_unit_spec ? ` · ${dep.model_unit_spec}` : ''}</dd>
            <dt>Capacity</dt><dd><CapacityBar ready={dep.ready_capacity} target={dep.capacity} /></dd>
            {dep.ptu_capacity ? (<><dt>TPM</dt><dd>input {dep.ptu_capacity.input_tpm}, output {dep.ptu_capacity.output_tpm}</dd></>) : null}
            {dep.plan === 'mu' ? (<><dt>Limits</dt><dd>rpm {dep.rpm_limit ?? 'none'}, tpm {dep.tpm_limit ?? 'none'}</dd></>) : null}
            <dt>Created</dt><dd>{formatTime(dep.gmt_create)} by {dep.creator}</dd>
            <dt>Modified</dt><dd>{formatTime(dep.gmt_modified)} by {dep.modifier}</dd>
            {dep.fail_reason ? (<><dt>Failure</dt><dd class="bad">{dep.fail_reason}</dd></>) : null}
          </dl>
          <Calls id={dep.deployed_model} />
          <Actions d={dep} reload={d.reload} />
        </>
      ) : null}
      {!gone ? (
        <section>
          <h3>Replicas</h3>
          <ErrorBox error={replicas.error} />
          <table>
            <thead><tr><th>Replica</th><th>State</th><th>Units</th><th>Restarts</th><th>Started</th><th>Last error</th><th>Log</th></tr></thead>
            <tbody>
              {(replicas.data?.replicas ?? []).map((r: any) => <ReplicaRow key={r.replica_id} path={path} r={r} />)}
            </tbody>
          </table>
          {replicas.data && replicas.data.replicas.length === 0 ? <p class="muted">No replicas.</p> : null}
        </section>
      ) : null}
      {!gone ? <Usage id={id} /> : null}
      <section>
        <h3>Events</h3>
        <ErrorBox error={events.error} />
        <ol class="timeline">
          {pagedEvents.items.map((e: any) => (
            <li><time>{formatTime(e.time)}</time> <strong>{e.type}</strong> <Badge status={e.status} /> {e.message} <span class="muted">by {e.actor}</span></li>
          ))}
        </ol>
        {pagedEvents.pager}
      </section>
    </section>
  );
}
