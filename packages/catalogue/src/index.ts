// Public surface of @sgplane/catalogue: the catalogue, the RetCode catalogue and the wire rules.
export * from "./action-spec.ts";
export * from "./catalogue.ts";
export * from "./errors.ts";
export * from "./feed.ts";
export * as feedModels from "./feed-models.ts";
export * from "./fields.ts";
export * from "./flatten.ts";
export * as models from "./models.ts";
export * from "./mutation-options.ts";
export * from "./regions.ts";
export * from "./schema-info.ts";
export * as seed from "./seed.ts";
export * from "./signature.ts";
