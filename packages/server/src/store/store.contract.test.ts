// The store contract: one suite, run against every engine in contract/engines.ts (skips state their reason).
import { after, afterEach, beforeEach, describe } from "node:test";
import { auditTests } from "./contract/audit-tests.ts";
import { bindingTests } from "./contract/binding-tests.ts";
import { concurrencyTests } from "./contract/concurrency-tests.ts";
import type { ContractContext } from "./contract/context.ts";
import { ENGINES, type EngineHandle } from "./contract/engines.ts";
import { feedTests } from "./contract/feed-tests.ts";
import { firewallTests } from "./contract/firewall-tests.ts";
import { inventoryTests } from "./contract/inventory-tests.ts";
import { secGroupReadTests } from "./contract/secgroup-read-tests.ts";
import { tenantTests } from "./contract/tenant-tests.ts";
import { transactionTests } from "./contract/transaction-tests.ts";
import { seedWorld } from "./contract/world.ts";

for (const engine of ENGINES) {
  describe(`store contract: ${engine.name}`, { skip: engine.skip }, () => {
    let current: EngineHandle | undefined;
    beforeEach(async () => {
      current = await engine.open();
      await seedWorld(current.store);
    });
    afterEach(async () => {
      await current?.dispose();
      current = undefined;
    });
    after(() => engine.teardown?.());
    const handle = (): EngineHandle => {
      if (current === undefined) throw new Error("no engine open (used outside a test?)");
      return current;
    };
    const ctx: ContractContext = { engine, handle, store: () => handle().store };
    tenantTests(ctx);
    inventoryTests(ctx);
    bindingTests(ctx);
    secGroupReadTests(ctx);
    transactionTests(ctx);
    concurrencyTests(ctx);
    feedTests(ctx);
    auditTests(ctx);
    firewallTests(ctx);
  });
}
