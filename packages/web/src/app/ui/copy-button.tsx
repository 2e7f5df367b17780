import { useState } from 'react';

/**
 * Copies a command to the clipboard. The Clipboard API needs a secure context (HTTPS or localhost);
 * elsewhere the text is copied through a selected, off-screen text area, the old way.
 */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // fall through: denied or unavailable
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'offscreen';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy refused');
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <span className="copy">
      <button
        type="button"
        onClick={() =>
          void copyText(text).then(
            () => setState('copied'),
            () => setState('failed'),
          )
        }
      >
        {label}
      </button>
      <span role="status" className="copy-state">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Select the text and copy it by hand' : ''}
      </span>
    </span>
  );
}

/** A command in a box, with its copy button. */
export function CommandBlock({ command, label }: { command: string; label: string }) {
  return (
    <div className="command">
      <pre tabIndex={0} aria-label={label}>
        <code>{command}</code>
      </pre>
      <CopyButton text={command} label={`Copy ${label.toLowerCase()}`} />
    </div>
  );
}
