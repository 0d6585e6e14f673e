// Public surface of @sgplane/cli: the command runner (the `sgplane` bin of packages/server delegates to it).
export { commands, findCommand, kebab } from "./command-model.ts";
export { type CliIo, processIo, runCli } from "./run.ts";
