import type { ReactNode } from 'react';
import { NavLink, useNavigate } from 'react-router';
import { api } from '../api/client';
import { useSession, useUser } from '../auth/session';

/**
 * The frame of every signed-in page: a skip link, the navigation (one tab stop per link; the
 * current page marked with aria-current by NavLink) and the account's actions.
 */
export function AppShell({ children }: { children: ReactNode }) {
  const user = useUser();
  const { signedOut } = useSession();
  const navigate = useNavigate();
  const logout = async () => {
    // Even if the call fails (control plane gone), forget the session here.
    await api.DELETE('/api/v1/session').catch(() => undefined);
    signedOut('You are logged out.');
    navigate('/login');
  };
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <NavLink to="/" className="brand" aria-label="Gonka Node Manager: fleet">
          Gonka Node Manager
        </NavLink>
        <nav aria-label="Main">
          <ul>
            <li>
              <NavLink to="/" end>
                Fleet
              </NavLink>
            </li>
            <li>
              <NavLink to="/hosts/new">Add host</NavLink>
            </li>
            <li>
              <NavLink to="/tasks">Tasks</NavLink>
            </li>
            <li>
              <NavLink to="/audit">Audit log</NavLink>
            </li>
            <li>
              <NavLink to="/tokens">API tokens</NavLink>
            </li>
            {user.role === 'owner' && (
              <li>
                <NavLink to="/users">Users</NavLink>
              </li>
            )}
          </ul>
        </nav>
        <div className="account">
          <span className="who" title={user.email}>
            {user.email}
            {user.role === 'owner' ? ' (owner)' : ''}
          </span>
          <NavLink to="/account/password">Password</NavLink>
          <button type="button" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
