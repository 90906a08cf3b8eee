import { readFileSync } from "node:fs";
import { reconcileConfig } from "../policies/analyzer";
import { pack } from "../policies/pack";
import { awsSecurityPolicies } from "../policies/awsSecurity";
import { kubernetesSecurityPolicies } from "../policies/kubernetesSecurity";
import { costPolicies } from "../policies/cost";
const stacks = ["staging", "production", "local"];
const cfg = Object.fromEntries(stacks.map((s) => [s, reconcileConfig(pack, JSON.parse(readFileSync(`policies/config/${s}.json`, "utf8")))]));
const domains: [string, any[]][] = [["AWS security (`policies/awsSecurity.ts`)", awsSecurityPolicies], ["Kubernetes security (`policies/kubernetesSecurity.ts`)", kubernetesSecurityPolicies], ["Cost (`policies/cost.ts`)", costPolicies]];
let rollout: any[] = [];
try { rollout = require("../policies/rollout").rolloutPolicies; domains.push(["Rollout safety (`policies/rollout.ts`)", rollout]); } catch {}
const fmt = (v: unknown) => JSON.stringify(v).replace(/"/g, "").replace(/,/g, ", ");
for (const [title, ps] of domains) {
  console.log(`\n#### ${title}\n`);
  console.log("| policy | kind | checks | staging | production | local | config (default; per-stack values) |");
  console.log("|---|---|---|---|---|---|---|");
  for (const p of ps) {
    const kind = "validateStack" in p ? "stack" : "resource";
    const levels = stacks.map((s) => cfg[s].get(p.name)!.enforcementLevel);
    const props = Object.keys(p.configSchema?.properties ?? {});
    const config = props.map((k) => {
      const d = p.configSchema.properties[k].default;
      const per = stacks.map((s) => cfg[s].get(p.name)!.properties[k]).map((v, i) => (JSON.stringify(v) !== JSON.stringify(d) ? `${stacks[i]}: ${fmt(v)}` : "")).filter(Boolean);
      return `\`${k}\` = ${fmt(d)}${per.length ? ` (${per.join("; ")})` : ""}`;
    }).join("<br>");
    console.log(`| \`${p.name}\` | ${kind} | ${p.description} | ${levels[0]} | ${levels[1]} | ${levels[2]} | ${config || "–"} |`);
  }
}
console.log("\ncount", pack.policies.length);
