#!/usr/bin/env node
// Keeps web/openapi.json (the API contract the SPA is typed against) in step with the API.
//
//   node scripts/openapi.mjs pull [BASE]   save BASE/api/openapi.json, regenerate src/api/schema.d.ts
//   node scripts/openapi.mjs check [BASE]  exit 1 when the saved copy differs from the live schema
//
// BASE defaults to http://127.0.0.1:8787 (`soundmosaic up`).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const saved = join(root, "openapi.json");
const [command, base = "http://127.0.0.1:8787"] = process.argv.slice(2);

const response = await fetch(`${base.replace(/\/$/, "")}/api/openapi.json`);
if (!response.ok) throw new Error(`GET openapi.json: HTTP ${response.status}`);
const live = await response.json();

if (command === "pull") {
  writeFileSync(saved, `${JSON.stringify(live, null, 2)}\n`);
  execFileSync(join(root, "node_modules", ".bin", "openapi-typescript"),
    [saved, "-o", join(root, "src", "api", "schema.d.ts")], { stdio: "inherit" });
} else if (command === "check") {
  // The contract is paths and components; info.version moves with every release.
  const contract = ({ paths, components }) => ({ paths, components });
  if (!isDeepStrictEqual(contract(JSON.parse(readFileSync(saved, "utf8"))), contract(live))) {
    console.error("web/openapi.json differs from the live API schema: run `npm run api:pull`");
    process.exit(1);
  }
  console.log("web/openapi.json matches the live API schema");
} else {
  console.error("usage: openapi.mjs pull|check [BASE]");
  process.exit(2);
}
