// Deployments: the workspace's deployments, followed live (polled every 2 s), a page at a time.
import { useState } from 'preact/hooks';
import { api } from '../lib/api';
import { CatalogModel, deploymentHourlyCost } from '../lib/cost';
import { formatAgo, formatMoney, formatTime } from '../lib/format';
import { usePoll } from '../lib/hooks';
import { Badge, CapacityBar, ErrorBox, Pager } from '../ui';

export interface Deployment {
  deployed_model: string;
  name: string;
  status: string;
  plan: string;
  model_name: string;
  base_model: string;
  model_unit_spec?: string;
  capacity: number;
  base_capacity: number;
  ready_capacity: number;
  gmt_create: string;
  gmt_modified: string;
  ptu_capacity?: { input_tpm: number; output_tpm: number; thinking_output_tpm?: number };
  overflow_strategy?: string;
  rpm_limit?: number;
  tpm_limit?: number;
  max_context_length?: number;
  enable_thinking?: boolean;
  fail_reason?: string;
  workspace_id: string;
  creator: string;
  modifier: string;
}

export function useCatalog() {
  return usePoll(async () => {
    const base = await api('GET', '/deployments/models?version=v1.0&page_size=200');
    const custom = await api('GET', '/deployments/models?version=v1.0&page_size=200&model_source=custom');
    return [...base.models, ...custom.models] as CatalogModel[];
  }, 0, []);
}

export function DeploymentsPage() {
  const [page, setPage] = useState(1);
  const pageSize = 20;
  const list = usePoll(() => api('GET', `/deployments?page_no=${page}&page_size=${pageSize}`), 2000, [page]);
  const catalog = useCatalog();
  const now = new Date();
  const rows: Deployment[] = list.data?.deployments ?? [];
  return (
    <section>
      <div class="row spread">
        <h2>Deployments</h2>
        <a class="button" href="#/create">Create deployment</a>
      </div>
      <ErrorBox error={list.error} />
      {list.data && rows.length === 0 ? <p>No deployments yet. <a href="#/create">Create one</a>.</p> : null}
      {rows.length > 0 ? (
        <table>
          <thead>
            <tr><th>Name</th><th>Status</th><th>Ready / target</th><th>Plan and spec</th><th>Est. cost / h</th><th>Created</th></tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.deployed_model} data-deployment={d.deployed_model}>
                <td><a href={`#/d/${encodeURIComponent(d.deployed_model)}`}>{d.deployed_model}</a><div class="muted">{d.name}</div></td>
                <td><Badge status={d.status} /></td>
                <td><CapacityBar ready={d.ready_capacity} target={d.capacity} /></td>
                <td>{d.plan}{d.model_unit_spec ? ` · ${d.model_unit_spec}` : ''}{d.ptu_capacity ? ` · ${d.ptu_capacity.input_tpm}/${d.ptu_capacity.output_tpm} tpm` : ''}</td>
                <td>{formatMoney(deploymentHourlyCost(d, catalog.data ?? []))}</td>
                <td title={formatTime(d.gmt_create)}>{formatAgo(d.gmt_create, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager page={page} pageSize={pageSize} total={list.data?.total ?? 0} onPage={setPage} />
    </section>
  );
}
