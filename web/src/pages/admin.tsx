// Admin (admin keys only): workspaces, API keys (a new secret shown once with a copy button;
// revoke with a confirmation) and custom models.
import { useState } from 'preact/hooks';
import { api, enc } from '../lib/api';
import { formatTime } from '../lib/format';
import { useAction, usePoll } from '../lib/hooks';
import { Confirm, CopyButton, ErrorBox, usePaged } from '../ui';

const value = (e: Event) => (e.target as HTMLInputElement).value;

function Workspaces({ workspaces, reload }: { workspaces: any[]; reload: () => void }) {
  const [name, setName] = useState('');
  const action = useAction();
  const paged = usePaged(workspaces);
  return (
    <section>
      <h3>Workspaces</h3>
      <table>
        <thead><tr><th>Workspace</th><th>Name</th><th>Created</th></tr></thead>
        <tbody>{paged.items.map((w) => <tr><td>{w.workspace_id}</td><td>{w.name}</td><td>{formatTime(w.gmt_create)}</td></tr>)}</tbody>
      </table>
      {paged.pager}
      <form class="row" onSubmit={async (e) => { e.preventDefault(); if (await action.run(() => api('POST', '/admin/workspaces', { name }))) { setName(''); reload(); } }}>
        <label for="ws-name">New workspace</label>
        <input id="ws-name" value={name} maxLength={64} onInput={(e) => setName(value(e))} />
        <button type="submit" disabled={!name || action.busy}>Create workspace</button>
      </form>
      <ErrorBox error={action.error} />
    </section>
  );
}

function Keys({ workspaces }: { workspaces: any[] }) {
  const keys = usePoll(() => api('GET', '/admin/keys'), 0, []);
  const [workspace, setWorkspace] = useState('');
  const [admin, setAdmin] = useState(false);
  const [secret, setSecret] = useState<any>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const action = useAction();
  const paged = usePaged<any>(keys.data?.keys ?? []);
  return (
    <section>
      <h3>API keys</h3>
      <ErrorBox error={keys.error} />
      <table>
        <thead><tr><th>Key</th><th>Prefix</th><th>Workspace</th><th>Admin</th><th>Created</th><th /></tr></thead>
        <tbody>
          {paged.items.map((k) => (
            <tr><td>{k.key_id}</td><td><code>{k.key_prefix}…</code></td><td>{k.workspace_id}</td><td>{k.admin ? 'yes' : 'no'}</td><td>{formatTime(k.gmt_create)}</td>
              <td><button type="button" class="small danger" onClick={() => setRevoking(k.key_id)}>Revoke</button></td></tr>
          ))}
        </tbody>
      </table>
      {paged.pager}
      <form class="row" onSubmit={async (e) => {
        e.preventDefault();
        const body: Record<string, unknown> = { admin };
        if (workspace) body.workspace_id = workspace;
        const created = await action.run(() => api('POST', '/admin/keys', body));
        if (created) { setSecret(created); keys.reload(); }
      }}>
        <label for="key-ws">Workspace</label>
        <select id="key-ws" value={workspace} onChange={(e) => setWorkspace(value(e))}>
          <option value="">(mine)</option>
          {workspaces.map((w) => <option value={w.workspace_id}>{w.name} ({w.workspace_id})</option>)}
        </select>
        <label class="inline"><input type="checkbox" checked={admin} onChange={(e) => setAdmin((e.target as HTMLInputElement).checked)} /> admin</label>
        <button type="submit" disabled={action.busy}>Create key</button>
      </form>
      {secret ? (
        <div class="notice" role="status">
          New key <strong>{secret.key_id}</strong>: <code id="new-secret">{secret.api_key}</code> <CopyButton text={secret.api_key} />
          <div>This secret is shown only now; berth stores only its hash.</div>
          <button type="button" class="small" onClick={() => setSecret(null)}>Done</button>
        </div>
      ) : null}
      <ErrorBox error={action.error} />
      {revoking ? (
        <Confirm title="Revoke API key" confirmLabel={`Revoke ${revoking}`} onCancel={() => setRevoking(null)}
          onConfirm={async () => { const id = revoking; setRevoking(null); if (await action.run(() => api('DELETE', `/admin/keys/${enc(id)}`))) keys.reload(); }}>
          Revoke <strong>{revoking}</strong>? It stops working at once.
        </Confirm>
      ) : null}
    </section>
  );
}

function CustomModels() {
  const models = usePoll(() => api('GET', '/admin/models'), 0, []);
  const [name, setName] = useState('');
  const [base, setBase] = useState('');
  const [plans, setPlans] = useState('lora');
  const [removing, setRemoving] = useState<string | null>(null);
  const action = useAction();
  const paged = usePaged<any>(models.data?.models ?? []);
  return (
    <section>
      <h3>Custom models</h3>
      <ErrorBox error={models.error} />
      <table>
        <thead><tr><th>Model</th><th>Base</th><th>Plans</th><th>Registered</th><th /></tr></thead>
        <tbody>
          {paged.items.map((m) => (
            <tr><td>{m.model_name}</td><td>{m.base_model}</td><td>{m.plans.join(', ')}</td><td>{formatTime(m.gmt_create)}</td>
              <td><button type="button" class="small danger" onClick={() => setRemoving(m.model_name)}>Remove</button></td></tr>
          ))}
        </tbody>
      </table>
      {paged.pager}
      <form class="row" onSubmit={async (e) => {
        e.preventDefault();
        const body = { model_name: name, base_model: base, plans: plans.split(',').map((p) => p.trim()).filter(Boolean) };
        if (await action.run(() => api('POST', '/admin/models', body))) { setName(''); models.reload(); }
      }}>
        <label for="cm-name">Model name</label>
        <input id="cm-name" value={name} onInput={(e) => setName(value(e))} />
        <label for="cm-base">Base model</label>
        <input id="cm-base" value={base} onInput={(e) => setBase(value(e))} />
        <label for="cm-plans">Plans</label>
        <select id="cm-plans" value={plans} onChange={(e) => setPlans(value(e))}>
          <option value="lora">lora</option><option value="mu">mu</option><option value="mu,lora">mu, lora</option>
        </select>
        <button type="submit" disabled={!name || !base || action.busy}>Register</button>
      </form>
      <ErrorBox error={action.error} />
      {removing ? (
        <Confirm title="Remove custom model" confirmLabel={`Remove ${removing}`} onCancel={() => setRemoving(null)}
          onConfirm={async () => { const id = removing; setRemoving(null); if (await action.run(() => api('DELETE', `/admin/models/${enc(id)}`))) models.reload(); }}>
          Remove <strong>{removing}</strong>? Refused while deployments of it exist.
        </Confirm>
      ) : null}
    </section>
  );
}

export function AdminPage() {
  const workspaces = usePoll(() => api('GET', '/admin/workspaces'), 0, []);
  return (
    <section>
      <h2>Admin</h2>
      <ErrorBox error={workspaces.error} />
      <Workspaces workspaces={workspaces.data?.workspaces ?? []} reload={workspaces.reload} />
      <Keys workspaces={workspaces.data?.workspaces ?? []} />
      <CustomModels />
    </section>
  );
}
