/** PoC nonces received on the ML callback port, per PoC start height and node (reference §5.3). */
export class PocCounter {
  private readonly byStart = new Map<number, Map<string, { count: number; model: string }>>();
  batches = 0;

  add(pocStart: number, nodeId: string, model: string, nonces: number): void {
    const m = this.byStart.get(pocStart) ?? new Map<string, { count: number; model: string }>();
    const cur = m.get(nodeId) ?? { count: 0, model };
    cur.count += nonces;
    m.set(nodeId, cur);
    this.byStart.set(pocStart, m);
    this.batches++;
  }

  forStart(pocStart: number): { node_id: string; count: number; model: string }[] {
    return [...(this.byStart.get(pocStart) ?? new Map()).entries()].map(([node_id, v]) => ({
      node_id,
      ...v,
    }));
  }
}
