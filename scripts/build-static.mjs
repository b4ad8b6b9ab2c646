// Builds the front-end assets into build/static, which Django collects.
// Everything comes from node_modules: nothing is fetched at run time.
import { compile } from "sass";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const nhsuk = join(root, "node_modules", "nhsuk-frontend", "dist", "nhsuk");
const out = join(root, "build", "static", "nhsuk");

mkdirSync(out, { recursive: true });
const css = compile(join(root, "assets", "scss", "app.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
if (/https?:\/\//.test(css.css)) {
  throw new Error("compiled CSS refers to an outside host");
}
writeFileSync(join(out, "app.css"), css.css);
cpSync(join(nhsuk, "nhsuk-frontend.min.js"), join(out, "nhsuk-frontend.min.js"));
cpSync(join(nhsuk, "assets"), join(out, "assets"), { recursive: true });
console.log(`built ${out}`);
