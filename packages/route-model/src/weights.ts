/**
 * OpenShift's `calculateServiceWeights`, in float32 arithmetic like the Go original.
 */

/** Input to {@link calculateServiceWeights}: one service unit of a route. */
export interface ServiceWeightInput {
  /** Any key identifying the service (OpenShift uses `ns/svc`). */
  readonly key: string;
  /** The route's weight for the service, already defaulted (nil → 1) and clamped to 0..256. */
  readonly weight: number;
  /** How many endpoints of the service match the route's port. */
  readonly endpoints: number;
}

const f32 = Math.fround;

/**
 * Scales route weights to per-server HAProxy weights (0..256) exactly as OpenShift does: one
 * active service gets weight 1; otherwise the per-endpoint weights are scaled so the largest is
 * 256, truncated toward zero, and a non-zero weight never drops below 1. Services without a
 * matching endpoint are absent from the result.
 *
 * @param units - the route's service units
 * @returns a map from service key to the weight of each of its servers
 * @example
 * calculateServiceWeights([{ key: 'a', weight: 20, endpoints: 2 }, { key: 'b', weight: 10, endpoints: 4 }])
 * // Map { 'a' => 256, 'b' => 64 }
 */
export function calculateServiceWeights(units: readonly ServiceWeightInput[]): Map<string, number> {
  const result = new Map<string, number>();
  let active = 0;
  for (const u of units) {
    if (u.endpoints <= 0) continue;
    if (u.weight > 0) {
      active += 1;
      result.set(u.key, 1);
    } else {
      result.set(u.key, 0);
    }
  }
  if (active === 1) return result;
  const epWeights = new Map<string, number>();
  let maxW = 0;
  for (const u of units) {
    if (u.endpoints <= 0) continue;
    const w = f32(f32(u.weight) / f32(u.endpoints));
    epWeights.set(u.key, w);
    if (w > maxW) maxW = w;
  }
  const scale = maxW > 0 ? f32(256 / maxW) : 0;
  for (const [key, w] of epWeights) {
    let r = Math.trunc(f32(w * scale));
    if (w > 0 && r < 1) r = 1;
    result.set(key, r);
  }
  return result;
}

/**
 * The router-side weight of a `to`/alternate backend: nil → 1, clamped to 0..256 (`getServiceUnitWeight`).
 *
 * @param weight - `spec.to.weight` or an alternate backend's weight
 * @returns an integer in 0..256
 */
export function serviceUnitWeight(weight: number | null | undefined): number {
  if (weight === undefined || weight === null || Number.isNaN(weight)) return 1;
  const w = Math.trunc(weight);
  return Math.max(0, Math.min(w, 256));
}
