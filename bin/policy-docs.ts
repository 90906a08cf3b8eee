/** `npm run docs:policies`: prints the table of the policy pack in docs/policies.md, generated from the policies and policies/config/<stack>.json. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { STACKS } from "../config/stackFile";
import { policyTableMarkdown } from "../policies/docs";
import { pack } from "../policies/pack";

/** Each stack's policy config, as `pulumi preview --policy-pack-config policies/config/<stack>.json` reads it. */
export function stackPolicyConfigs(): Record<string, unknown> {
    return Object.fromEntries(
        STACKS.map((s) => [s, JSON.parse(readFileSync(join(__dirname, "..", "policies", "config", `${s}.json`), "utf8"))]),
    );
}

export function policyDocs(): string {
    return policyTableMarkdown(pack, stackPolicyConfigs());
}

if (require.main === module) console.log(policyDocs());
