/**
 * `haproxy.router.openshift.io/rate-limit-connections.*`: OpenShift's per-backend stick table
 * (`type ip size 100k expire 30s store conn_cur,conn_rate(3s),http_req_rate(10s)`, tracked with
 * `track-sc2 src`) and its `reject` rules. Rates are HAProxy-style frequency counters: the
 * current period's count plus the previous period's, weighted by how much of it still overlaps.
 * Counts include the connection or request being checked, as HAProxy's do after tracking.
 */

class FreqCounter {
  #start = 0;
  #curr = 0;
  #prev = 0;
  readonly #period: number;

  constructor(periodMs: number) {
    this.#period = periodMs;
  }

  #roll(now: number): void {
    const elapsed = now - this.#start;
    if (elapsed >= this.#period) {
      this.#prev = elapsed >= 2 * this.#period ? 0 : this.#curr;
      this.#curr = 0;
      this.#start = now - (elapsed % this.#period);
    }
  }

  add(now: number): void {
    this.#roll(now);
    this.#curr++;
  }

  rate(now: number): number {
    this.#roll(now);
    const remaining = this.#period - (now - this.#start);
    return this.#curr + Math.floor((this.#prev * remaining) / this.#period);
  }
}

interface SourceEntry {
  connCur: number;
  readonly connRate: FreqCounter;
  readonly httpRate: FreqCounter;
  touched: number;
}

/** Limits of one route (undefined fields: no rule). */
export interface RateLimits {
  readonly concurrentTcp?: number;
  readonly rateTcp?: number;
  readonly rateHttp?: number;
}

const EXPIRE_MS = 30_000;
const MAX_ENTRIES = 100_000;

/** One backend's stick table. @internal */
export class SourceTable {
  #entries = new Map<string, SourceEntry>();
  #lastSweep = 0;

  #entry(ip: string, now: number): SourceEntry {
    let e = this.#entries.get(ip);
    if (!e) {
      if (this.#entries.size >= MAX_ENTRIES) this.#sweep(now, true);
      e = { connCur: 0, connRate: new FreqCounter(3_000), httpRate: new FreqCounter(10_000), touched: now };
      this.#entries.set(ip, e);
    }
    e.touched = now;
    if (now - this.#lastSweep > EXPIRE_MS) this.#sweep(now, false);
    return e;
  }

  #sweep(now: number, force: boolean): void {
    this.#lastSweep = now;
    for (const [ip, e] of this.#entries) {
      if (e.connCur === 0 && (force || now - e.touched > EXPIRE_MS)) this.#entries.delete(ip);
      if (force && this.#entries.size < MAX_ENTRIES * 0.9) break;
    }
  }

  /**
   * Tracks one stream (an HTTP request, or a passthrough connection) from `ip` and evaluates
   * the reject rules, with the counting HAProxy 2.6 was observed to do for OpenShift's rules
   * (`tcp-request content track-sc2 src` re-runs for every request of an HTTP backend):
   * `conn_cur` and `conn_rate(3s)` include the stream being checked; `http_req_rate(10s)` does
   * not (the request is counted once admitted).
   * @returns a release function to call when the stream ends, or undefined when rejected
   */
  admit(ip: string, limits: RateLimits, http: boolean, now: number = Date.now()): (() => void) | undefined {
    const e = this.#entry(ip, now);
    e.connCur++;
    e.connRate.add(now);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      e.connCur--;
      e.touched = Date.now();
    };
    if (
      (limits.concurrentTcp !== undefined && e.connCur >= limits.concurrentTcp) ||
      (limits.rateTcp !== undefined && e.connRate.rate(now) >= limits.rateTcp) ||
      (http && limits.rateHttp !== undefined && e.httpRate.rate(now) >= limits.rateHttp)
    ) {
      release();
      return undefined;
    }
    if (http) e.httpRate.add(now);
    return release;
  }

  get size(): number {
    return this.#entries.size;
  }
}
