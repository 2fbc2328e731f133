// Builds gateway/wwwroot/lib/signalr.js from the npm packages (pinned in package-lock.json).
// The output is committed, so the gateway serves it without npm; `--check` fails when the
// committed file differs from a fresh build (the CI guard that it was rebuilt after an upgrade).
import { build } from "esbuild";
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const target = `${here}../wwwroot/lib/signalr.js`;
const check = process.argv.includes("--check");

const result = await build({
  entryPoints: [`${here}signalr-entry.js`],
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2022",
  platform: "browser",
  legalComments: "eof",
  write: false,
  logLevel: "warning",
});
const fresh = result.outputFiles[0].contents;

if (check) {
  const committed = await readFile(target).catch(() => Buffer.alloc(0));
  if (!Buffer.from(fresh).equals(committed)) {
    console.error(`webapp: ${target} is not the build of package-lock.json's packages; run \`npm run build\` in gateway/webapp and commit it`);
    process.exit(1);
  }
  console.log(`webapp: ${target} matches a fresh build (${fresh.length} bytes)`);
} else {
  await writeFile(target, fresh);
  console.log(`webapp: wrote ${target} (${fresh.length} bytes)`);
}
