// V8's Error.stackTraceLimit, which the catalogue's error classes set; Chromium has it, lib.dom does not declare it.
interface ErrorConstructor {
  stackTraceLimit: number;
}
