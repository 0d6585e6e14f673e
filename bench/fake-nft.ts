// The fan-out bench's stand-in for nft (`sgplane agent --nft PATH`): no kernel, no namespace. `nft -f -` reads the
// script to its end, as nft does before it commits, and appends one line to a log the bench reads: the agent's tag,
// the time (bash's $EPOCHREALTIME, no process spawned for a clock) and the last `dport N` of the script, which is
// what the bench's change of the rule's port made the agent render. Anything else (a listing) answers "no such
// table", so the agents run with --drift-check 0.

export const FAKE_NFT_SCRIPT = `#!/bin/bash
if [ "$1" = "-f" ]; then
  port=-
  while IFS= read -r line; do
    if [[ $line =~ dport\\ ([0-9]+) ]]; then port=\${BASH_REMATCH[1]}; fi
  done
  printf '%s %s %s\\n' "$SGPLANE_FAKE_NFT_TAG" "$EPOCHREALTIME" "$port" >> "$SGPLANE_FAKE_NFT_LOG"
  exit 0
fi
echo "Error: No such file or directory" >&2
exit 1
`;

export interface FakeApply {
  readonly tag: string;
  /** Epoch milliseconds (µs resolution). */
  readonly atMs: number;
  /** The last port the applied script rendered; undefined when it had none. */
  readonly port: number | undefined;
}

/** The complete lines of the log (`rest`: a trailing partial line, to prepend to the next read). */
export function parseFakeApplies(text: string): { applies: FakeApply[]; rest: string } {
  const end = text.lastIndexOf("\n");
  const applies: FakeApply[] = [];
  for (const line of text.slice(0, end + 1).split("\n")) {
    if (line === "") continue;
    // $EPOCHREALTIME uses the locale's radix character.
    const m = /^(\S+) (\d+)[.,](\d{6}) (\d+|-)$/.exec(line);
    if (m === null) throw new Error(`fake nft log: unexpected line '${line}'`);
    const [, tag = "", seconds = "", micros = "", port = "-"] = m;
    applies.push({
      tag,
      atMs: Number(seconds) * 1000 + Number(micros) / 1000,
      port: port === "-" ? undefined : Number(port),
    });
  }
  return { applies, rest: text.slice(end + 1) };
}
