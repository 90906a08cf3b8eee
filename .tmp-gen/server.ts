import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { runProgram } from "../test/harness/program";
import { toAnalyzedResources } from "../test/policies/fromProgram";
import { analyzeRequest, stackRequest } from "../test/policies/analyzerClient";
import { pack } from "../policies/pack";
const server = require("@pulumi/policy/server");
(async () => {
  const rs = toAnalyzedResources((await runProgram("production")).resources);
  const byUrn = new Map(rs.map((r) => [r.urn, r]));
  const reqs = rs.map((r) => analyzeRequest(r, r.provider ? byUrn.get(r.provider.slice(0, r.provider.lastIndexOf("::"))) : undefined));
  const analyze = server.makeAnalyzeRpcFun(pack.name, pack.version, "advisory", pack.policies);
  const call = (req: any) => new Promise((res, rej) => analyze({ request: req }, (e: any, r: any) => (e ? rej(e) : res(r))));
  for (const q of reqs) await call(q);
  const perType = new Map<string, number>();
  let total = 0;
  for (let rep = 0; rep < 20; rep++) for (let i = 0; i < reqs.length; i++) { const s = process.hrtime.bigint(); await call(reqs[i]); const d = Number(process.hrtime.bigint() - s) / 1e6; total += d; perType.set(rs[i].type, (perType.get(rs[i].type) ?? 0) + d); }
  console.log("resources", rs.length, "analyze ms per resource", (total / 20 / rs.length).toFixed(3), "=> 10k:", (total / 3 / rs.length * 10000).toFixed(0), "ms");
  console.log([...perType].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([t, d]) => `${t} ${(d / 20).toFixed(1)}`).join("\n"));
  const stackFn = server.makeAnalyzeStackRpcFun(pack.name, pack.version, "advisory", pack.policies);
  const sreq = stackRequest(rs);
  const s = Date.now(); await new Promise((res, rej) => stackFn({ request: sreq }, (e: any, r: any) => (e ? rej(e) : res(r)))); console.log("analyzeStack ms for", rs.length, Date.now() - s);
})();
