// `@sgplane/catalogue/wire`: what a browser may import. Values are Node-free and TypeBox-free (flattening, the
// string-to-sign); the catalogue's action types come along as types only, erased from any bundle.
export type { ActionInput, ActionName, ActionOutput } from "./catalogue.ts";
export * from "./flatten.ts";
export * from "./sign-text.ts";
