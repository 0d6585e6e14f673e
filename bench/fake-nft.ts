// The fan-out bench's stand-in for nft (`sgplane agent --nft PATH`): no kernel, no namespace. It speaks both ways
// the agent runs nft (packages/agent/src/nft.ts). `nft -i` (the agent's session): one line is one script, read to
// its end as nft reads a command buffer before it commits, then logged; a listing answers as nft does for a table
// that does not exist (the error, the echoed command, a caret line), which is also how the agent's end-of-request
// marker is answered. `nft -f -`: reads the script to its end, logs it, exits. A log line is the agent's tag, the
// time (bash's $EPOCHREALTIME, no process spawned for a clock) and the last `dport N` of the script, which is what
// the bench's change of the rule's port made the agent render. The agents run with --drift-check 0.

export const FAKE_NFT_SCRIPT = `#!/bin/bash
log_apply() {
  printf '%s %s %s\\n' "$SGPLANE_FAKE_NFT_TAG" "$EPOCHREALTIME" "$1" >> "$SGPLANE_FAKE_NFT_LOG"
}
if [ "$1" = "-i" ]; then
  while IFS= read -r line; do
    if [[ $line == "list "* ]]; then
      printf 'Error: No such file or directory\\n%s\\n%s^^^\\n' "$line" "\${line//?/ }" >&2
      continue
    fi
    port=-
    if [[ $line =~ .*dport\\ ([0-9]+) ]]; then port=\${BASH_REMATCH[1]}; fi
    log_apply "$port"
  done
  exit 0
fi
if [ "$1" = "-f" ]; then
  port=-
  while IFS= read -r line; do
    if [[ $line =~ .*dport\\ ([0-9]+) ]]; then port=\${BASH_REMATCH[1]}; fi
  done
  log_apply "$port"
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
