// Vite build of the console: served by `sgplane serve` under /console/, so every asset URL starts there.
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

export default defineConfig({
  base: "/console/",
  plugins: [preact()],
  build: {
    // SGPLANE_CONSOLE_OUT lets tests build into a temporary directory instead of dist/.
    outDir: process.env.SGPLANE_CONSOLE_OUT ?? "dist",
    emptyOutDir: true,
    target: "es2022",
    // The polyfill is an inline script, which the server's Content-Security-Policy (script-src 'self') refuses.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
