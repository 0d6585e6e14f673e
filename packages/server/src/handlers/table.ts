// The full handler table: a missing or mistyped handler for any catalogue action is a compile error.
import { accountHandlers } from "./account/index.ts";
import { adminHandlers } from "./admin/index.ts";
import type { HandlerTable } from "./context.ts";
import { tenantHandlers } from "./index.ts";

export const handlerTable: HandlerTable = { ...tenantHandlers, ...accountHandlers, ...adminHandlers };
