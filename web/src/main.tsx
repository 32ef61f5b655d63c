// The console's shell: sign-in, navigation and the hash router (#/deployments, #/d/<id>, ...).
// Hash routes keep every page at `/`, the one HTML path berth serves (docs/console.md).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { ApiError, api, storeKey, storedKey } from './lib/api';
import { ErrorBox } from './ui';
import { DeploymentsPage } from './pages/deployments';
import { CreatePage } from './pages/create';
import { DeploymentPage } from './pages/deployment';
import { PlaygroundPage } from './pages/playground';
import { BillingPage } from './pages/billing';
import { AdminPage } from './pages/admin';

export interface Session {
  key: string;
  admin: boolean;
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/deployments');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/deployments');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

// A key is good when it can list deployments; it is an admin key when it can list workspaces.
async function signIn(key: string): Promise<Session> {
  await api('GET', '/deployments?page_size=1', undefined, key);
  try {
    await api('GET', '/admin/workspaces', undefined, key);
    return { key, admin: true };
  } catch (e) {
    if ((e as ApiError).status === 403) return { key, admin: false };
    throw e;
  }
}

function SignIn({ onSession }: { onSession: (s: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const session = await signIn(key.trim());
      storeKey(session.key);
      onSession(session);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <h1>berth</h1>
      <form onSubmit={submit}>
        <label for="key">API key</label>
        <input id="key" type="password" autocomplete="off" value={key} required
          onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
        <p class="muted">Kept for this tab only; signing out forgets it.</p>
        <button type="submit" disabled={busy || !key.trim()}>Sign in</button>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}

function Page({ hash, session }: { hash: string; session: Session }) {
  const [path, query] = hash.slice(1).split('?');
  const parts = path.split('/').filter(Boolean);
  const params = new URLSearchParams(query ?? '');
  switch (parts[0]) {
    case 'create':
      return <CreatePage />;
    case 'd':
      return <DeploymentPage id={decodeURIComponent(parts[1] ?? '')} />;
    case 'playground':
      return <PlaygroundPage initial={params.get('model') ?? ''} />;
    case 'billing':
      return <BillingPage />;
    case 'admin':
      return session.admin ? <AdminPage /> : <p>This page needs an admin key.</p>;
    default:
      return <DeploymentsPage />;
  }
}

function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(!!storedKey());
  const hash = useHash();
  useEffect(() => {
    const key = storedKey();
    if (!key) return;
    signIn(key)
      .then(setSession)
      .catch(() => storeKey(null))
      .finally(() => setRestoring(false));
  }, []);
  if (restoring) return <p class="muted">Signing in…</p>;
  if (!session) return <SignIn onSession={setSession} />;
  const link = (to: string, label: string) => (
    <a href={to} aria-current={hash.startsWith(to) ? 'page' : undefined}>{label}</a>
  );
  return (
    <>
      <header>
        <strong class="brand">berth</strong>
        <nav aria-label="main">
          {link('#/deployments', 'Deployments')}
          {link('#/create', 'Create')}
          {link('#/playground', 'Playground')}
          {link('#/billing', 'Usage & billing')}
          {session.admin ? link('#/admin', 'Admin') : null}
        </nav>
        <span class="muted">{session.admin ? 'admin key' : 'workspace key'}</span>
        <button type="button" class="small" onClick={() => { storeKey(null); setSession(null); location.hash = ''; }}>
          Sign out
        </button>
      </header>
      <main>
        <Page hash={hash} session={session} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
