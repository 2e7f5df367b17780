import { Badge } from '../ui/badges';
import type { Finding } from './host-report';

const ORDER: Record<Finding['severity'], number> = { critical: 0, warning: 1, info: 2, ok: 3 };

/** Preflight findings, worst first, each problem with the command or step that fixes it. */
export function Findings({ findings }: { findings: readonly Finding[] }) {
  if (!findings.length) return <p className="muted">No findings reported.</p>;
  return (
    <ul className="findings">
      {[...findings]
        .sort((a, b) => ORDER[a.severity] - ORDER[b.severity])
        .map((f, i) => (
          <li key={`${f.check}-${i}`} className={`finding finding-${f.severity}`}>
            <Badge value={f.severity === 'info' ? 'unknown' : f.severity} label={f.check} />{' '}
            <strong>{f.check}</strong>: {f.message}
            {f.fix && (
              <p className="fix">
                <span className="fix-label">Fix:</span> <code className="wrap">{f.fix}</code>
              </p>
            )}
          </li>
        ))}
    </ul>
  );
}
