// Run the GraphQL-over-HTTP audit of the npm package `graphql-http` against a URL.
// (`auditServer` runs every item of `serverAudits`, the package's server audit suite.)
//
//   node scripts/graphql_http_audit.mjs http://127.0.0.1:8000/graphql [module-dir]
//
// module-dir is where `npm install --prefix <dir> graphql-http graphql` put the package
// (default: $GRAPHQL_HTTP_PREFIX, else the usual node resolution from this script).
// Prints one JSON object {ok, warn, notice, error, results: [...]} and exits 1 when a
// MUST item failed (status "error").
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const url = process.argv[2];
if (!url) {
  console.error('usage: node graphql_http_audit.mjs <url> [module-dir]');
  process.exit(2);
}
const prefix = process.argv[3] || process.env.GRAPHQL_HTTP_PREFIX;
const require = createRequire(
  prefix ? join(resolve(prefix), 'node_modules', 'package.json') : import.meta.url,
);
const { auditServer } = require('graphql-http');

const results = await auditServer({ url });
const summary = { ok: 0, warn: 0, notice: 0, error: 0, results: [] };
for (const r of results) {
  summary[r.status] = (summary[r.status] || 0) + 1;
  summary.results.push({ id: r.id, name: r.name, status: r.status, reason: r.reason ?? null });
}
console.log(JSON.stringify(summary, null, 2));
process.exit(summary.error > 0 ? 1 : 0);
