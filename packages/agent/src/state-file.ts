// The agent's saved state: the world it folded and the cursor that world is at, so a restart resumes from its
// position instead of taking a snapshot again. Written to a temporary file and renamed: a crash leaves the
// previous state whole.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { WorldRows } from "./world.ts";

export interface SavedState {
  readonly version: 1;
  readonly cursor: string;
  readonly world: WorldRows;
}

export async function loadState(path: string): Promise<SavedState | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const state = JSON.parse(text) as Partial<SavedState>;
  if (state.version !== 1 || typeof state.cursor !== "string" || typeof state.world !== "object") {
    throw new Error(`${path}: not an sgplane agent state file (delete it to start from a snapshot)`);
  }
  return state as SavedState;
}

export async function saveState(path: string, state: SavedState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(state));
  await rename(temporary, path);
}
