// Windowed rendering of a long table: only the rows near the viewport are in the DOM, spacer rows keep the
// scroll height, so 1,000 groups render and scroll as fast as forty. Short lists render whole.
import type { RefObject } from "preact";
import { useEffect, useLayoutEffect, useState } from "preact/hooks";

/** Lists up to this long are rendered whole (find-in-page sees every row). */
export const WINDOW_FROM = 100;
const OVERSCAN = 20;

export interface RowWindow {
  /** Whether the list is windowed (long): its table should then have a fixed layout. */
  readonly windowed: boolean;
  readonly start: number;
  readonly end: number;
  /** Height of one row in px, measured from the first rendered row. */
  readonly rowHeight: number;
}

export function useRowWindow(count: number, body: RefObject<HTMLTableSectionElement | null>): RowWindow {
  const [rowHeight, setRowHeight] = useState(40);
  const [range, setRange] = useState({ start: 0, end: Math.min(count, 60) });
  const windowed = count > WINDOW_FROM;

  useLayoutEffect(() => {
    const first = body.current?.querySelector("tr[data-row]");
    const h = first instanceof HTMLElement ? first.offsetHeight : 0;
    if (h > 0 && Math.abs(h - rowHeight) > 0.5) setRowHeight(h);
  });

  useEffect(() => {
    if (!windowed) return;
    let frame = 0;
    const update = () => {
      frame = 0;
      const top = body.current?.getBoundingClientRect().top ?? 0;
      // Moved in steps of OVERSCAN rows, so a scroll re-renders every few frames, not on every one.
      const first = Math.max(0, Math.floor(Math.floor(-top / rowHeight) / OVERSCAN) * OVERSCAN - OVERSCAN);
      const visible = Math.ceil(window.innerHeight / rowHeight) + 3 * OVERSCAN;
      const next = { start: Math.min(first, Math.max(0, count - visible)), end: Math.min(count, first + visible) };
      setRange((old) => (old.start === next.start && old.end === next.end ? old : next));
    };
    const onScroll = () => {
      if (frame === 0) frame = requestAnimationFrame(update);
    };
    update();
    addEventListener("scroll", onScroll, { passive: true });
    addEventListener("resize", onScroll);
    return () => {
      cancelAnimationFrame(frame);
      removeEventListener("scroll", onScroll);
      removeEventListener("resize", onScroll);
    };
  }, [windowed, count, rowHeight, body]);

  return windowed ? { windowed, ...range, rowHeight } : { windowed, start: 0, end: count, rowHeight };
}
