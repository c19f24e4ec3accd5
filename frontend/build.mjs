// Bundles the viewer into one self-contained page, src/lightboard/serve/static/index.html, which
// `lightboard serve` answers at /. The TypeScript (with uPlot) and the CSS are bundled by esbuild and put
// inline: the stylesheet in place of its <link>, the script at the end of the body (where `defer` would have
// run it). One response carries the whole page, saving the browser a round trip to a server busy reading.
import { build } from "esbuild";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "..", "src", "lightboard", "serve", "static");

const { outputFiles } = await build({
  // One entry: app.js from the TypeScript, and app.css from the stylesheets it imports (style.css, which
  // @imports uPlot's, then each dashboard's own).
  entryPoints: [{ in: join(here, "src", "main.ts"), out: "app" }],
  outdir,
  write: false,
  bundle: true,
  minify: process.env.LIGHTBOARD_DEBUG_BUILD !== "1",
  format: "iife",
  target: ["es2020"],
  legalComments: "none",
  banner: { js: "/*! lightboard viewer. Bundles uPlot (c) Leon Sorokin, MIT License, https://github.com/leeoniya/uPlot */" },
  logLevel: "warning",
});
const output = (extension) => outputFiles.find((file) => file.path.endsWith(extension)).text;

const page = await readFile(join(here, "index.html"), "utf8");
const link = '<link rel="stylesheet" href="/static/app.css">';
const script = '<script defer src="/static/app.js"></script>';
if (!page.includes(link) || !page.includes(script) || !page.includes("</body>")) {
  throw new Error("index.html lost the stylesheet <link>, the <script> or the </body> that build.mjs inlines");
}
// "</script" inside the script would end the element early; "<\/script" means the same to JavaScript.
const js = output(".js").replaceAll("</script", "<\\/script");
const inlined = page
  .replace(link, () => `<style>${output(".css")}</style>`)
  .replace(script, "")
  .replace("</body>", () => `<script>${js}</script>\n</body>`);

await rm(outdir, { recursive: true, force: true }); // drops files of earlier builds
await mkdir(outdir, { recursive: true });
await writeFile(join(outdir, "index.html"), inlined);
