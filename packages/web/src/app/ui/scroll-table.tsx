import type { ReactNode } from 'react';

/**
 * A table that may be wider than a phone's screen scrolls inside its own box, which keyboard users
 * can focus and scroll with the arrow keys (a named region, so screen readers say what it is).
 */
export function ScrollTable({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
