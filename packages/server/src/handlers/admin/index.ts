// The operator-only handlers, by action name.
import { adminCreateCompany, adminCreateKey, adminCreateProject, adminSetQuota } from "./accounts.ts";
import { adminCreateVPC, adminDeregisterResource, adminRegisterResource, adminUpdateResource } from "./inventory.ts";
import { adminExportState, adminImportState, adminReset } from "./state.ts";

export const adminHandlers = {
  AdminCreateCompany: adminCreateCompany,
  AdminCreateProject: adminCreateProject,
  AdminCreateKey: adminCreateKey,
  AdminSetQuota: adminSetQuota,
  AdminCreateVPC: adminCreateVPC,
  AdminRegisterResource: adminRegisterResource,
  AdminUpdateResource: adminUpdateResource,
  AdminDeregisterResource: adminDeregisterResource,
  AdminExportState: adminExportState,
  AdminImportState: adminImportState,
  AdminReset: adminReset,
} as const;
