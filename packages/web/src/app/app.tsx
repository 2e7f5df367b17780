import { lazy, Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { SessionProvider, useSession } from './auth/session';
import { SetupPage } from './auth/setup-page';
import { LoginPage } from './auth/login-page';
import { InvitePage } from './auth/invite-page';
import { AppShell } from './layout/app-shell';
import { FleetPage } from './fleet/fleet-page';
import { ErrorBox } from './ui/error-box';
import { Loading, Page } from './ui/page';

/**
 * The fleet is the first page and ships in the main script; the rest load when first opened, so the
 * first page of a large fleet is not waiting on code it does not use.
 */
const AddHostPage = lazy(() => import('./hosts/add-host-page').then((x) => ({ default: x.AddHostPage })));
const HostPage = lazy(() => import('./hosts/host-page').then((x) => ({ default: x.HostPage })));
const DeployWizard = lazy(() => import('./nodes/deploy-wizard').then((x) => ({ default: x.DeployWizard })));
const NodePage = lazy(() => import('./nodes/node-page').then((x) => ({ default: x.NodePage })));
const TaskPage = lazy(() => import('./tasks/task-page').then((x) => ({ default: x.TaskPage })));
const TasksPage = lazy(() => import('./tasks/tasks-page').then((x) => ({ default: x.TasksPage })));
const AuditPage = lazy(() => import('./admin/audit-page').then((x) => ({ default: x.AuditPage })));
const TokensPage = lazy(() => import('./admin/tokens-page').then((x) => ({ default: x.TokensPage })));
const UsersPage = lazy(() => import('./admin/users-page').then((x) => ({ default: x.UsersPage })));
const PasswordPage = lazy(() => import('./auth/password-page').then((x) => ({ default: x.PasswordPage })));

/** Which pages exist for whom: first run, signed out, signed in. */
function Routed() {
  const { state, retry } = useSession();
  if (state.status === 'loading')
    return (
      <main id="main" className="auth">
        <Loading what="the console" />
      </main>
    );
  if (state.status === 'unreachable')
    return (
      <main id="main" className="auth">
        <Page title="Gonka Node Manager">
          <ErrorBox error={state.error} onRetry={retry} />
        </Page>
      </main>
    );
  if (state.status === 'needs-owner')
    return (
      <Routes>
        <Route path="/setup" element={<SetupPage />} />
        <Route path="*" element={<Navigate to="/setup" replace />} />
      </Routes>
    );
  if (state.status === 'anonymous')
    return (
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/invite" element={<InvitePage />} />
        <Route path="*" element={<Navigate to="/login" replace />} />
      </Routes>
    );
  return (
    <AppShell>
      <Suspense fallback={<Loading what="the page" />}>
        <Routes>
          <Route path="/" element={<FleetPage />} />
          <Route path="/hosts/new" element={<AddHostPage />} />
          <Route path="/hosts/:id" element={<HostPage />} />
          <Route path="/hosts/:id/deploy" element={<DeployWizard />} />
          <Route path="/nodes/:id" element={<NodePage />} />
          <Route path="/tasks" element={<TasksPage />} />
          <Route path="/tasks/:id" element={<TaskPage />} />
          <Route path="/audit" element={<AuditPage />} />
          <Route path="/tokens" element={<TokensPage />} />
          <Route path="/users" element={<UsersPage />} />
          <Route path="/account/password" element={<PasswordPage />} />
          {['/login', '/setup', '/invite'].map((p) => (
            <Route key={p} path={p} element={<Navigate to="/" replace />} />
          ))}
          <Route
            path="*"
            element={
              <Page title="Page not found">
                <p>
                  There is no page at this address. Go to the <a href="/">fleet</a>.
                </p>
              </Page>
            }
          />
        </Routes>
      </Suspense>
    </AppShell>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <SessionProvider>
        <Routed />
      </SessionProvider>
    </BrowserRouter>
  );
}
