import { ScrollTable } from '../ui/scroll-table';
import { Badge } from '../ui/badges';
import type { Container } from './host-report';

export function ContainersTable({ containers }: { containers: readonly Container[] }) {
  if (!containers.length) return <p className="muted">No containers of the node’s stack on this host.</p>;
  return (
    <ScrollTable label="Containers">
      <table>
        <caption className="sr-only">Containers of the join stack</caption>
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col">State</th>
            <th scope="col">Health</th>
            <th scope="col">Restarts</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {containers.map((c) => (
            <tr key={c.name ?? c.service}>
              <td>{c.service}</td>
              <td>
                <Badge value={c.state === 'running' ? 'ok' : c.state === 'exited' ? 'critical' : 'warning'} />{' '}
                {c.state}
              </td>
              <td>{c.health ?? '—'}</td>
              <td>{c.restartCount ?? '—'}</td>
              <td className="wrap">{c.status ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}
