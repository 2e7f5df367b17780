import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { z } from 'zod';

export const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const Violations = z.array(
  z.object({ id: z.string(), impact: z.string().nullable(), help: z.string(), nodes: z.array(z.string()) }),
);

/**
 * Run inside the page (as source text: the Node program has no DOM types). Elements that stick out
 * of the viewport on the right, unless a scrolling or clipping ancestor inside the viewport holds them.
 */
const OVERFLOW = `(() => {
  const vw = document.documentElement.clientWidth;
  const out = [];
  if (document.documentElement.scrollWidth > vw + 1)
    out.push('the page scrolls horizontally: ' + document.documentElement.scrollWidth + ' > ' + vw);
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || (r.right <= vw + 1 && r.left >= -1)) continue;
    let clipped = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX !== 'visible' && p.getBoundingClientRect().right <= vw + 1) { clipped = true; break; }
    }
    if (clipped) continue;
    const cs = getComputedStyle(el);
    if (cs.position === 'absolute' && (cs.clip !== 'auto' || cs.clipPath !== 'none')) continue;
    out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '') + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right) + ' of ' + vw + ': ' + (el.textContent || '').trim().slice(0, 40));
  }
  return out.slice(0, 10);
})()`;

/** Interactive elements whose boxes overlap (one would hide or steal the other's clicks). */
const OVERLAP = `(() => {
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  const els = [...document.querySelectorAll(sel)].filter((el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 2 && r.height > 2 && s.visibility !== 'hidden' && s.display !== 'none';
  });
  const boxes = els.map((el) => ({ el, r: el.getBoundingClientRect() }));
  const name = (el) => el.tagName.toLowerCase() + '[' + ((el.getAttribute('aria-label') || el.textContent || el.id || '').trim().slice(0, 30)) + ']';
  const out = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
      const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (w > 1 && h > 1) out.push(name(a.el) + ' overlaps ' + name(b.el) + ' by ' + Math.round(w) + 'x' + Math.round(h));
    }
  return out.slice(0, 10);
})()`;

/**
 * The checks every page of the browser flows passes, at a desktop and a phone size: axe-core with no
 * serious or critical violation, nothing sticking out horizontally, no overlapping controls; and a
 * screenshot of each into `dir` (printed once, so a failure can be looked at).
 */
export class PageChecker {
  private readonly problems: string[] = [];
  readonly checked: string[] = [];

  constructor(readonly dir: string) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    console.log(`[web] screenshots in ${dir}`);
  }

  /** Records every console error (a CSP refusal shows up there) and uncaught exception of a page. */
  watch(page: Page, who: string): void {
    page.on('console', (m) => {
      if (
        m.type() === 'error' &&
        !/Failed to load resource: the server responded with a status of (4\d\d)/.test(m.text())
      )
        this.problems.push(`${who}: console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => this.problems.push(`${who}: uncaught: ${e.message}`));
  }

  async check(page: Page, name: string): Promise<void> {
    const original = page.viewportSize();
    for (const vp of VIEWPORTS) {
      await page.setViewportSize(vp);
      // Let layout, fonts and the virtualiser settle at the new size.
      await page.waitForTimeout(250);
      const where = `${name} @${vp.width}x${vp.height}`;
      await page.evaluate(AXE_SOURCE);
      const violations = Violations.parse(
        await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
          r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`),
      );
      for (const v of violations.filter((x) => x.impact === 'serious' || x.impact === 'critical'))
        this.problems.push(`${where}: axe ${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(', ')}`);
      for (const o of z.array(z.string()).parse(await page.evaluate(OVERFLOW)))
        this.problems.push(`${where}: overflow: ${o}`);
      for (const o of z.array(z.string()).parse(await page.evaluate(OVERLAP)))
        this.problems.push(`${where}: overlap: ${o}`);
      await page.screenshot({
        path: path.join(
          this.dir,
          `${String(this.checked.length).padStart(2, '0')}-${name}-${vp.width}x${vp.height}.png`,
        ),
        fullPage: true,
      });
    }
    this.checked.push(name);
    if (original) await page.setViewportSize(original);
  }

  /** Every problem found so far (a test ends with `expect(checker.report()).toEqual([])`). */
  report(): string[] {
    return [...this.problems];
  }
}
