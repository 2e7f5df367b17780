import type { NodeView } from '../api/types';
import { Badge } from '../ui/badges';
import { CommandBlock } from '../ui/copy-button';

const STATE_WORD: Record<string, string> = {
  done: 'done',
  pending: 'pending',
  failed: 'failed',
  unknown: 'unknown',
};

/**
 * After the deploy: the commands the operator runs with the cold key on their own machine (never on
 * the server), each copyable, and the checklist that turns green by itself as the node's setup report
 * sees the grant and the first epoch.
 */
export function WarmKeyChecklist({ node }: { node: NodeView }) {
  if (!node.warmKey)
    return (
      <p className="muted">
        The warm key is made on the host during the deploy; its commands and checklist appear here afterwards.
      </p>
    );
  const cold = node.coldKey;
  return (
    <>
      <p>
        Warm key <code className="wrap">{node.warmKey.address}</code> lives on the host
        {node.warmKey.mnemonicFile ? (
          <>
            {' '}
            (its recovery phrase in <code className="wrap">{node.warmKey.mnemonicFile}</code>, never shown
            here)
          </>
        ) : null}
        . Run these commands on the machine that holds your <strong>cold key</strong>, not on the server.
      </p>
      {cold && cold.commands.length > 0 ? (
        <ol className="commands">
          {cold.commands.map((c) => (
            <li key={c.id} data-testid={`cold-command-${c.id}`}>
              <h3>{c.title}</h3>
              <p>{c.why}</p>
              <CommandBlock command={c.command} label={`${c.title} command`} />
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">
          No cold-key command could be made for this node yet (its network is not known).
        </p>
      )}
      <h3 id="checklist-h">Checklist</h3>
      {cold && (
        <ul className="checklist" aria-labelledby="checklist-h" aria-live="polite" data-testid="checklist">
          {cold.checklist.map((i) => (
            <li key={i.id} className={`check-${i.state}`}>
              <Badge value={STATE_WORD[i.state] ?? i.state} label={i.title} /> <strong>{i.title}</strong>
              {i.state !== 'done' && <p className="hint">{i.hint}</p>}
            </li>
          ))}
        </ul>
      )}
      <p className="hint">
        The checklist refreshes with each health read of the node (every minute, or “Read health now”).
      </p>
    </>
  );
}
