// Admin actions on the whole state: export, import (the seed format), reset.
import { ApiError } from "@sgplane/catalogue";
import { exportState } from "../../seed/export-state.ts";
import { loadSeed } from "../../seed/load-seed.ts";
import { SeedError, validateSeed } from "../../seed/validate-seed.ts";
import type { Handler } from "../context.ts";

export const adminExportState: Handler<"AdminExportState"> = (input, ctx) =>
  ctx.store.read(async (tx) => {
    if (input.CompanyId !== undefined && (await tx.company(input.CompanyId)) === undefined) {
      throw new ApiError("CompanyNotFound", { companyId: input.CompanyId });
    }
    return { State: await exportState(tx, input.CompanyId) };
  });

export const adminImportState: Handler<"AdminImportState"> = async (input, ctx) => {
  let state: ReturnType<typeof validateSeed>;
  try {
    state = validateSeed(input.State);
  } catch (error) {
    if (error instanceof SeedError)
      throw new ApiError("SeedInvalid", { name: `State.${error.path}`, reason: error.reason });
    throw error;
  }
  await ctx.store.write((tx) => loadSeed(tx, state, ctx.ids, ctx.clock.nowSeconds()));
  return {};
};

export const adminReset: Handler<"AdminReset"> = (_input, ctx) =>
  ctx.store.write(async (tx) => {
    await tx.resetTenants();
    return {};
  });
