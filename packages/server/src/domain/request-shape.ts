// Shape checks shared by several actions, run before anything is loaded (§1.8 step 8).
import { ApiError } from "@sgplane/catalogue";

/** A required list that decoded to nothing (absent, or only empty elements) is a missing parameter (220). */
export function requireNonEmpty(list: readonly unknown[] | undefined, name: string): void {
  if (list === undefined || list.length === 0) throw new ApiError("MissingParams", { name });
}
