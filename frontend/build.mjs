// Bundles the viewer into src/lightboard/serve/static/{index.html,app.js,app.css} (served by `lightboard serve`).
import { build } from "esbuild";
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "..", "src", "lightboard", "serve", "static");

await mkdir(outdir, { recursive: true });
await build({
  // Two entries with the same name: app.js from the TypeScript, app.css from style.css (which @imports uPlot's CSS).
  entryPoints: [
    { in: join(here, "src", "main.ts"), out: "app" },
    { in: join(here, "src", "style.css"), out: "app" },
  ],
  outdir,
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "none",
  banner: { js: "/*! lightboard viewer. Bundles uPlot (c) Leon Sorokin, MIT License, https://github.com/leeoniya/uPlot */" },
  logLevel: "warning",
});
await copyFile(join(here, "index.html"), join(outdir, "index.html"));
