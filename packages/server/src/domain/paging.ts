// Paging defaults of §3.0: Offset absent → 0, Limit absent or 0 → 20, no upper cap.
export const DEFAULT_LIMIT = 20;

export function pageOf(offset: number | undefined, limit: number | undefined): { offset: number; limit: number } {
  return { offset: offset ?? 0, limit: limit || DEFAULT_LIMIT };
}
