import { Router, serve, log } from './http.js';
import { knobs } from './knobs.js';

/**
 * Fault injection: names set from the environment at start (SIM_FAULTS="a,b=value") and changed at
 * run time through a clearly sim-only control endpoint on its own port (SIM_CONTROL_PORT, 9999):
 *   GET  /sim/faults            → current faults
 *   POST /sim/faults {name: value|null}
 * No real Gonka service listens on that port; it is never published by the official files.
 */
export class Faults {
  private readonly values = new Map<string, string>();

  constructor(readonly role: string) {
    for (const item of (process.env.SIM_FAULTS ?? '').split(',').filter(Boolean)) {
      const [k, v] = item.split('=');
      if (k) this.values.set(k.trim(), (v ?? 'true').trim());
    }
  }

  has(name: string): boolean {
    return this.values.has(name);
  }
  get(name: string): string | undefined {
    return this.values.get(name);
  }
  set(name: string, value: string | null): void {
    if (value === null) this.values.delete(name);
    else this.values.set(name, value);
    log(this.role, `fault ${name} ${value === null ? 'cleared' : `set to ${value}`}`);
  }
  all(): Record<string, string> {
    return Object.fromEntries(this.values);
  }

  /** Serves the control endpoint; `extra` lets a role add its own sim-only controls. */
  serveControl(extra?: (r: Router) => void): void {
    const r = new Router()
      .get('/sim/faults', () => ({ status: 200, body: { role: this.role, faults: this.all() } }))
      .post('/sim/faults', (req) => {
        const b = req.body;
        if (!b || typeof b !== 'object' || Array.isArray(b))
          return { status: 400, body: { message: 'expected {name: value|null}' } };
        for (const [k, v] of Object.entries(b as Record<string, unknown>))
          this.set(k, v === null ? null : String(v));
        return { status: 200, body: { role: this.role, faults: this.all() } };
      });
    extra?.(r);
    serve(knobs.controlPort(), r, `${this.role}-control`);
  }
}
