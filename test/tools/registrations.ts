/**
 * Prints, as canonical JSON, everything the program registers for every stack at every rollout
 * stage (plus production after a DR failover and each stack on the other router): type, name, URN,
 * parent, inputs and options. Two trees that print the same registrations give the engine the same
 * plan, so a refactor that keeps this output identical changes no URN, input or option.
 * `scripts/registrations-diff.sh <git-ref>` compares a ref with the working tree.
 *
 * Depends only on the harness's runProgram and the stack files, so it runs unchanged on old trees.
 */
import * as fs from "fs";
import * as crypto from "crypto";
import { runProgram } from "../harness/program";
import { readStackSettings } from "../../config/stackFile";

const STACKS = ["local", "staging", "production"];
const STAGES = ["stable", "canary", "canary-expand", "blue-green-prep", "full-switch", "rollback"];

interface Variant {
    label: string;
    stack: string;
    overrides: Record<string, unknown>;
}

function variants(): Variant[] {
    const out: Variant[] = [];
    for (const stack of STACKS) {
        const settings = readStackSettings(stack) as Record<string, any>;
        for (const stage of STAGES) {
            const rollout = { ...settings.rollout, stage, candidateVersion: `${settings.rollout.stableVersion}-candidate` };
            out.push({ label: `${stack}/${stage}`, stack, overrides: { rollout } });
        }
        const otherRouter = settings.mesh?.router === "nginx" ? "istio" : "nginx";
        const rollout = { ...settings.rollout, stage: "canary", candidateVersion: `${settings.rollout.stableVersion}-candidate` };
        out.push({
            label: `${stack}/canary/${otherRouter}`,
            stack,
            overrides: { rollout, mesh: { ...settings.mesh, router: otherRouter } },
        });
    }
    const production = readStackSettings("production") as Record<string, any>;
    out.push({ label: "production/failover", stack: "production", overrides: { dr: { ...production.dr, activeDatabase: "dr" } } });
    return out;
}

/**
 * The serialised dynamic provider (`__provider`) is the provider's source text: it changes with any
 * edit or reformat of the modules it captures, and the engine does not diff on it. It is reported as
 * its hash separately so a change there is visible but not mixed with the plan. The rollout guard's
 * program (its ConfigMap's `index.js`, written by the same serialiser from rollout/gate/) is reported the
 * same way: a change there is a change of the guard's code, which restarts its pod (the pod template's
 * checksum covers it), not of what the program declares.
 */
function canonical(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(value).sort()) out[key] = canonical((value as Record<string, unknown>)[key]);
        return out;
    }
    return value;
}

function hash(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex").slice(0, 12);
}

async function main(): Promise<void> {
    const outFile = process.argv[2];
    const report: Record<string, unknown> = {};
    for (const variant of variants()) {
        const run = await runProgram(variant.stack, { overrides: variant.overrides });
        const resources = run.resources
            .map((r) => {
                const { __provider, ...inputs } = r.inputs;
                const guardCode = r.type === "kubernetes:core/v1:ConfigMap" ? inputs.data?.["index.js"] : undefined;
                if (typeof guardCode === "string") inputs.data = { ...inputs.data, "index.js": null };
                return {
                    urn: r.urn,
                    type: r.type,
                    name: r.name,
                    custom: r.custom,
                    parentUrn: r.parentUrn ?? null,
                    protect: r.protect,
                    provider: r.provider ?? null,
                    dependsOn: [...r.dependsOn].sort(),
                    additionalSecretOutputs: [...r.additionalSecretOutputs].sort(),
                    ignoreChanges: [...(r.ignoreChanges ?? [])].sort(),
                    inputs,
                    serialisedProvider: __provider === undefined ? null : hash(String(__provider)),
                    serialisedGuard: typeof guardCode === "string" ? hash(guardCode) : null,
                };
            })
            .sort((a, b) => a.urn.localeCompare(b.urn));
        report[variant.label] = canonical({ resources, outputs: run.outputs, secretOutputs: [...run.secretOutputs].sort() });
        process.stderr.write(`${variant.label}: ${resources.length} resources\n`);
    }
    const text = JSON.stringify(report, null, 1) + "\n";
    if (outFile) fs.writeFileSync(outFile, text);
    else process.stdout.write(text);
}

main().then(
    () => process.exit(0),
    (err) => {
        console.error(err);
        process.exit(1);
    },
);
