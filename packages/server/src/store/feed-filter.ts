// Whether a reader's filter lets an event through (port.ts FeedFilter): the one definition, for the events the store
// reads and those a server keeps in memory. Objects without a region or project pass those filters.
import type { FeedEventRow, FeedFilter } from "./port.ts";

export function visible(e: Pick<FeedEventRow, "companyId" | "projectId" | "region" | "type">, f: FeedFilter): boolean {
  if (f.companyId !== undefined && e.companyId !== f.companyId) return false;
  if (f.projects !== undefined && (e.projectId === null || !f.projects.includes(e.projectId))) return false;
  if (f.region !== undefined && e.region !== null && e.region !== f.region) return false;
  if (f.projectId !== undefined && e.projectId !== null && e.projectId !== f.projectId) return false;
  if (f.types !== undefined && !f.types.includes(e.type)) return false;
  return true;
}
