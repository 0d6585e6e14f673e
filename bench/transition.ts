// Where a stream of probe verdicts switched to the new one: the first probe of the final run that shows it.

export interface Transition {
  /** Index of the first probe of the final run of new verdicts. */
  readonly index: number;
  /** New verdicts seen before an old one came back (a drop that was only a slow pass, or a pass that was not yet closed). */
  readonly flaps: number;
}

/**
 * `verdicts` in the order the probes were sent. A drop is silence for a window, so a slow pass can pose as one; taking
 * the run after the last old verdict can only make the figure later, never earlier. Undefined: the new verdict was
 * never seen last.
 */
export function transition(verdicts: readonly boolean[], to: boolean): Transition | undefined {
  const lastOld = verdicts.findLastIndex((v) => v !== to);
  if (lastOld === verdicts.length - 1) return undefined;
  let flaps = 0;
  for (let i = 0; i < lastOld; i++) if (verdicts[i] === to) flaps++;
  return { index: lastOld + 1, flaps };
}
