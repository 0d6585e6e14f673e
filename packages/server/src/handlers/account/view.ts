// What an account-wide read may see, narrowed by its CompanyId parameter (an operator's choice of company).
import { ApiError } from "@sgplane/catalogue";
import type { FeedHub } from "../../feed/hub.ts";
import type { AccountContext, AccountView } from "../context.ts";

export function viewOf(ctx: AccountContext, companyId: number | undefined): AccountView {
  if (companyId === undefined) return ctx.view;
  if (ctx.key.operator) return { ...ctx.view, companyId };
  if (companyId !== ctx.view.companyId) {
    throw new ApiError("PermissionDenied", { reason: "CompanyId names another company (an operator key's filter)" });
  }
  return ctx.view;
}

export function feedOf(ctx: AccountContext): FeedHub {
  if (ctx.feed === undefined) throw new ApiError("FeedDisabled", {});
  return ctx.feed;
}
