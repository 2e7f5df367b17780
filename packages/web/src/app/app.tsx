import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { SessionProvider, useSession } from './auth/session';
import { SetupPage } from './auth/setup-page';
import { LoginPage } from './auth/login-page';
import { InvitePage } from './auth/invite-page';
import { PasswordPage } from './auth/password-page';
import { AppShell } from './layout/app-shell';
import { FleetPage } from './fleet/fleet-page';
import { AddHostPage } from './hosts/add-host-page';
import { HostPage } from './hosts/host-page';
import { DeployWizard } from './nodes/deploy-wizard';
import { NodePage } from './nodes/node-page';
import { TaskPage } from './tasks/task-page';
import { TasksPage } from './tasks/tasks-page';
import { AuditPage } from './admin/audit-page';
import { TokensPage } from './admin/tokens-page';
import { UsersPage } from './admin/users-page';
import { ErrorBox } from './ui/error-box';
import { Loading, Page } from './ui/page';

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
