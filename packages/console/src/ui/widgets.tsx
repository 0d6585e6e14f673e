// Small accessible building blocks: labelled fields with their error beside them, alerts, modal dialogs, pager.
import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { CallError } from "../api/client.ts";

export function errorText(error: unknown): string {
  if (error instanceof CallError) return error.describe;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** A failure as a message the page keeps showing next to working controls (never a blank page). */
export function Alert(props: { readonly error: unknown; readonly onRetry?: () => void }) {
  if (props.error === undefined || props.error === null) return null;
  const network = props.error instanceof CallError && props.error.retCode === undefined;
  return (
    <div class="alert" role="alert">
      <strong>{network ? "Network problem: " : "The server refused: "}</strong>
      {errorText(props.error)}
      {props.onRetry !== undefined && (
        <button type="button" class="link" onClick={props.onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Notice(props: { readonly children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {props.children}
    </p>
  );
}

/** The input attributes the console uses (a narrow set keeps Preact's per-type unions out of the way). */
interface InputProps {
  readonly type?: "text" | "search" | "password" | "number";
  readonly placeholder?: string;
  readonly required?: boolean;
  readonly maxLength?: number;
  readonly size?: number;
  readonly inputMode?: "numeric" | "text";
  readonly autoComplete?: string;
}

/** A labelled text input; error (from the server, naming this field) is shown under it and announced. */
export function Field(
  props: InputProps & {
    readonly label: string;
    readonly value: string;
    readonly onValue: (value: string) => void;
    readonly error?: string | undefined;
    readonly hideLabel?: boolean;
  },
) {
  const id = useId();
  const { label, value, onValue, error, hideLabel, type, ...rest } = props;
  return (
    <span class={`field${error ? " invalid" : ""}`}>
      <label for={id} class={hideLabel ? "sr-only" : undefined}>
        {label}
      </label>
      <input
        {...rest}
        // Preact types each input type as its own variant (role, list…); these four share every attribute used here.
        type={(type ?? "text") as "text"}
        id={id}
        value={value}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onInput={(e) => onValue(e.currentTarget.value)}
      />
      {error && (
        <span id={`${id}-error`} class="field-error">
          {error}
        </span>
      )}
    </span>
  );
}

export function Select(props: {
  readonly label: string;
  readonly value: string;
  readonly options: readonly (readonly [string, string])[];
  readonly onValue: (value: string) => void;
  readonly error?: string | undefined;
  readonly hideLabel?: boolean;
  readonly disabled?: boolean;
}) {
  const id = useId();
  return (
    <span class={`field${props.error ? " invalid" : ""}`}>
      <label for={id} class={props.hideLabel ? "sr-only" : undefined}>
        {props.label}
      </label>
      <select
        id={id}
        value={props.value}
        disabled={props.disabled}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
        onChange={(e) => props.onValue(e.currentTarget.value)}
      >
        {props.options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
      {props.error && (
        <span id={`${id}-error`} class="field-error">
          {props.error}
        </span>
      )}
    </span>
  );
}

/** A modal <dialog>: the browser traps focus and Escape closes it. */
export function Dialog(props: {
  readonly title: string;
  readonly onClose: () => void;
  readonly children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const unmounting = useRef(false);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      // Closing on unmount fires "close": that is not the user closing it (a dialog replaced by another one).
      unmounting.current = true;
      dialog?.close();
    };
  }, []);
  const closed = () => {
    if (!unmounting.current) props.onClose();
  };
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={closed}>
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}

/** A dialog form's buttons: its submit (disabled while the call is in flight) and Cancel. */
export function FormButtons(props: {
  readonly label: string;
  readonly disabled: boolean;
  readonly onCancel: () => void;
}) {
  return (
    <div class="buttons">
      <button type="submit" class="primary" disabled={props.disabled}>
        {props.label}
      </button>
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}

/** A list's search and the page it shows: a new search starts again at the first page. */
export function useListSearch(initial = "") {
  const [search, setText] = useState(initial);
  const [offset, setOffset] = useState(0);
  const needle = search.trim().toLowerCase();
  return {
    search,
    needle,
    offset,
    setOffset,
    setSearch: (text: string) => {
      setText(text);
      setOffset(0);
    },
    /** Whether one of the texts contains the search (always, with none). */
    matches: (...texts: readonly string[]) => needle === "" || texts.some((t) => t.toLowerCase().includes(needle)),
  };
}

export function Pager(props: {
  readonly offset: number;
  readonly limit: number;
  readonly total: number;
  readonly onOffset: (offset: number) => void;
  readonly label: string;
}) {
  const { offset, limit, total } = props;
  if (total <= limit && offset === 0) return <p class="pager">{total} in all</p>;
  const last = Math.min(total, offset + limit);
  return (
    <nav class="pager" aria-label={`${props.label} pages`}>
      <button type="button" disabled={offset === 0} onClick={() => props.onOffset(Math.max(0, offset - limit))}>
        Previous
      </button>
      <span>
        {total === 0 ? 0 : offset + 1}–{last} of {total}
      </span>
      <button type="button" disabled={last >= total} onClick={() => props.onOffset(offset + limit)}>
        Next
      </button>
    </nav>
  );
}

/** Every page of a paged Describe call, concatenated (lists are searched in the browser). */
export async function allPages<T>(
  fetchPage: (offset: number, limit: number) => Promise<{ items: readonly T[]; total: number }>,
  limit = 1000,
): Promise<T[]> {
  const out: T[] = [];
  // Advance by what came back, not by what was asked: a server may cap the page size below `limit`.
  for (;;) {
    const page = await fetchPage(out.length, limit);
    out.push(...page.items);
    if (page.items.length === 0 || out.length >= page.total) return out;
  }
}

export function formatTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19);
}
