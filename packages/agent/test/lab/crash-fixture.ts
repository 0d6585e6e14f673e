// A process that builds a lab and then waits to be killed: lab.test.ts checks what SIGTERM and SIGKILL leave behind.
import { createLab } from "./lab.ts";

const lab = await createLab({ endpoints: [{ name: "a" }, { name: "b" }], ports: [80], sweep: false });
process.stdout.write(`${JSON.stringify({ namespaces: lab.namespaces })}\n`);
setInterval(() => {}, 60_000);
