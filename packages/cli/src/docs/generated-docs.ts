// The client-side references (SDK methods, CLI commands), generated beside the catalogue's own docs by `npm run docs`.
import { renderSdkDocs } from "@sgplane/sdk/docs";
import { renderCliDocs } from "./render-cli-docs.ts";

// The catalogue package cannot list these itself: it may not import the SDK or the CLI.
export const clientDocs: Readonly<Record<string, () => string>> = {
  "docs/sdk.md": renderSdkDocs,
  "docs/cli.md": renderCliDocs,
};
