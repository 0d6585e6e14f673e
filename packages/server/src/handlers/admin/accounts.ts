// Admin actions for the account world: companies, projects, users with keys, quotas and policies.
import { ApiError } from "@sgplane/catalogue";
import { isStoreError } from "../../store/errors.ts";
import type { WriteTx } from "../../store/port.ts";
import type { Handler } from "../context.ts";

export async function requireCompany(tx: WriteTx, companyId: number): Promise<void> {
  if ((await tx.company(companyId)) === undefined) throw new ApiError("CompanyNotFound", { companyId });
}

/** A project id is global: it may not be taken over by another company. */
export async function requireProjectOf(tx: WriteTx, companyId: number, projectId: string): Promise<void> {
  const projects = await tx.projectsOf(companyId);
  if (!projects.some((p) => p.projectId === projectId)) throw new ApiError("ProjectNotFound", { projectId });
}

/**
 * An upsert of a row whose id is global (a project, a VPC, a resource). When another company owns the id the store
 * declines (StoreError "unique"); when the row would move (another project or region) while rows that live in it
 * point at it, a foreign key refuses it. Both are the caller's mistake, answered 230 naming the parameter, not 150.
 * (On PostgreSQL the failed statement has aborted the transaction: nothing runs after it, the refusal rolls it back.)
 */
export async function ownIdOrRefuse(name: string, id: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (isStoreError(error, "unique")) {
      throw new ApiError("InvalidParams", { name, reason: `${id} belongs to another company` });
    }
    if (isStoreError(error, "foreign-key")) {
      throw new ApiError("InvalidParams", {
        name,
        reason: `${id} cannot move to another project or region while what lives in it stays (groups, resources, bindings)`,
      });
    }
    throw error;
  }
}

export const adminCreateCompany: Handler<"AdminCreateCompany"> = (input, ctx) =>
  ctx.store.write(async (tx) => {
    await tx.upsertCompany({ companyId: input.CompanyId, name: input.Name });
    const projects = await tx.projectsOf(input.CompanyId);
    const isDefault = !projects.some((p) => p.isDefault && p.projectId !== input.ProjectId);
    await ownIdOrRefuse("ProjectId", input.ProjectId, () =>
      tx.upsertProject(input.CompanyId, {
        projectId: input.ProjectId,
        name: input.ProjectName ?? "Default",
        isDefault,
      }),
    );
    return {};
  });

export const adminCreateProject: Handler<"AdminCreateProject"> = (input, ctx) =>
  ctx.store.write(async (tx) => {
    await requireCompany(tx, input.CompanyId);
    await ownIdOrRefuse("ProjectId", input.ProjectId, () =>
      tx.upsertProject(input.CompanyId, {
        projectId: input.ProjectId,
        name: input.Name,
        isDefault: input.Default ?? false,
      }),
    );
    return {};
  });

export const adminCreateKey: Handler<"AdminCreateKey"> = (input, ctx) =>
  ctx.store.write(async (tx) => {
    await requireCompany(tx, input.CompanyId);
    for (const projectId of input.Projects ?? []) await requireProjectOf(tx, input.CompanyId, projectId);
    const keys = input.Keys ?? [{ PublicKey: ctx.ids.publicKey(input.UserName), PrivateKey: ctx.ids.privateKey() }];
    for (const [i, k] of keys.entries()) {
      if ((await tx.findKey(k.PublicKey)) !== undefined) {
        throw new ApiError("InvalidParams", { name: `Keys.${i}.PublicKey`, reason: "is already in use" });
      }
    }
    await tx.upsertUser(input.CompanyId, {
      name: input.UserName,
      subAccount: input.SubAccount ?? false,
      projects: input.Projects ?? [],
    });
    for (const k of keys) await tx.upsertKey(input.CompanyId, input.UserName, k.PublicKey, k.PrivateKey);
    return { Keys: keys };
  });

export const adminSetQuota: Handler<"AdminSetQuota"> = (input, ctx) =>
  ctx.store.write(async (tx) => {
    await requireCompany(tx, input.CompanyId);
    const { CompanyId, DisassociateNotBound, ...quotas } = input;
    await tx.setQuotas(CompanyId, quotas, DisassociateNotBound);
    return {};
  });
