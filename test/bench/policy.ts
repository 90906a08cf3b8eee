/**
 * `npm run bench:policy`: how much the policy pack adds to a preview of a large stack.
 *
 * The synthetic stack is 10 000 resources of the program's own types and values: the resources the
 * whole program registers under mocks for every stack, copied (with distinct URNs) until there are
 * 10 000. Measured:
 *   - in-process evaluation (the pack's policy code, as the offline analyzer runs it): every resource
 *     policy on every resource (Analyze) and every stack policy on the whole stack (AnalyzeStack);
 *   - the offline audit of that stack as a `pulumi stack export` file, in-process and as
 *     `npm run policy:audit` (process start included);
 *   - the pack as the CLI runs it: Analyze over gRPC for every resource, then one AnalyzeStack.
 * Goal: the pack's evaluation adds under 1 s to a preview of 10 000 resources.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { spawnSync } from "node:child_process";
import { STACKS } from "../../config/stackFile";
import { AnalyzedResource, PolicyPackDefinition, analyzeStack, reconcileConfig } from "../../policies/analyzer";
import { pack } from "../../policies/pack";
import { toStackExport } from "../../policies/stackExport";
import { runProgram } from "../harness/program";
import { analyzeRequest, call, configureRequest, stackRequest, startPack } from "../policies/analyzerClient";
import { toAnalyzedResources } from "../policies/fromProgram";
import { main as audit } from "../../bin/policyAudit";

const SIZE = 10_000;
const ROOT = join(__dirname, "..");
const CONFIG = join(ROOT, "policies", "config", "production.json");

/** Copy `k` of a resource: every URN it holds or references gets the suffix, so copies stay separate stacks-within-the-stack. */
function copyOf(resource: AnalyzedResource, k: number): AnalyzedResource {
    if (k === 0) return resource;
    const urn = (u: string) => `${u}-${k}`;
    return {
        ...resource,
        urn: urn(resource.urn),
        name: `${resource.name}-${k}`,
        parent: resource.parent && urn(resource.parent),
        provider:
            resource.provider &&
            `${urn(resource.provider.slice(0, resource.provider.lastIndexOf("::")))}${resource.provider.slice(resource.provider.lastIndexOf("::"))}`,
        dependencies: resource.dependencies?.map(urn),
    };
}

function synthesize(template: AnalyzedResource[], size: number): AnalyzedResource[] {
    const out: AnalyzedResource[] = [];
    for (let k = 0; out.length < size; k++) {
        for (const r of template) {
            if (out.length === size) break;
            out.push(copyOf(r, k));
        }
    }
    return out;
}

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
    const start = performance.now();
    const value = await f();
    return { ms: performance.now() - start, value };
}

function only(kind: "resource" | "stack"): PolicyPackDefinition {
    return { ...pack, policies: pack.policies.filter((p) => (kind === "stack") === "validateStack" in p) };
}

async function quiet<T>(f: () => Promise<T>): Promise<T> {
    const log = console.log;
    console.log = () => undefined;
    try {
        return await f();
    } finally {
        console.log = log;
    }
}

async function bench(): Promise<void> {
    const template: AnalyzedResource[] = [];
    for (const stack of STACKS) template.push(...toAnalyzedResources((await runProgram(stack)).resources));
    const resources = synthesize(template, SIZE);
    const types = new Set(resources.map((r) => r.type)).size;
    const config = reconcileConfig(pack, JSON.parse(readFileSync(CONFIG, "utf8")));
    const resourcePolicies = only("resource").policies.length;
    const stackPolicies = only("stack").policies.length;

    // Warm the JIT and the lazily loaded SDK modules the policies' type checks touch.
    await analyzeStack(pack, resources.slice(0, 1000), config);

    const analyze = await timed(() => analyzeStack(only("resource"), resources, config));
    const analyzeStackPhase = await timed(() => analyzeStack(only("stack"), resources, config));
    const whole = await timed(() => analyzeStack(pack, resources, config));

    const dir = mkdtempSync(join(tmpdir(), "bench-policy-"));
    const exportPath = join(dir, "stack.json");
    writeFileSync(exportPath, toStackExport(resources));
    const auditInProcess = await timed(() => quiet(() => audit([exportPath, "--config", CONFIG])));
    const auditCli = await timed(async () =>
        spawnSync("npm", ["run", "--silent", "policy:audit", "--", exportPath, "--config", CONFIG], {
            cwd: ROOT,
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
        }),
    );
    rmSync(dir, { recursive: true, force: true });

    const running = await startPack();
    let wire: { analyzeMs: number; analyzeStackMs: number };
    try {
        await call(running.client, "configure", configureRequest(config));
        const byUrn = new Map(resources.map((r) => [r.urn, r]));
        const providerOf = (r: AnalyzedResource) => (r.provider ? byUrn.get(r.provider.slice(0, r.provider.lastIndexOf("::"))) : undefined);
        // Requests are encoded before the clock starts: the engine's encoding is not the pack's cost.
        const analyzeRequests = resources.map((r) => analyzeRequest(r, providerOf(r)));
        const stackAnalysis = stackRequest(resources);
        const analyzeMs = (
            await timed(async () => {
                for (const request of analyzeRequests) await call(running.client, "analyze", request);
            })
        ).ms;
        const analyzeStackMs = (await timed(() => call(running.client, "analyzeStack", stackAnalysis))).ms;
        wire = { analyzeMs, analyzeStackMs };
    } finally {
        running.stop();
    }

    const perSecond = (ms: number) => Math.round((SIZE / ms) * 1000);
    const lines = [
        `policy pack ${pack.name}@v${pack.version}: ${resourcePolicies} resource policies, ${stackPolicies} stack policies; production config`,
        `synthetic stack: ${SIZE} resources of ${types} types (the program's ${template.length} resources over ${STACKS.join(", ")}, copied)`,
        "",
        "| measure | time | throughput |",
        "|---|---|---|",
        `| Analyze, in-process (every resource policy x every resource) | ${analyze.ms.toFixed(0)} ms | ${perSecond(analyze.ms)} resources/s (${analyze.value.validations} validations) |`,
        `| AnalyzeStack, in-process (${stackPolicies} stack policies, ${SIZE} resources) | ${analyzeStackPhase.ms.toFixed(0)} ms | |`,
        `| whole pack, in-process | ${whole.ms.toFixed(0)} ms | ${perSecond(whole.ms)} resources/s |`,
        `| audit of the stack export, in-process (parse, config, evaluate, print) | ${auditInProcess.ms.toFixed(0)} ms | exit ${auditInProcess.value} |`,
        `| \`npm run policy:audit\` (process start included) | ${auditCli.ms.toFixed(0)} ms | exit ${auditCli.value.status} |`,
        `| pack as the CLI runs it: start (ts-node type-check) | ${running.startupMs} ms | |`,
        `| pack over gRPC: Analyze x ${SIZE}, one call at a time | ${wire.analyzeMs.toFixed(0)} ms | ${perSecond(wire.analyzeMs)} resources/s |`,
        `| pack over gRPC: AnalyzeStack (${SIZE} resources) | ${wire.analyzeStackMs.toFixed(0)} ms | |`,
    ];
    console.log(lines.join("\n"));
    console.log(
        JSON.stringify({
            resources: SIZE,
            types,
            analyzeMs: Math.round(analyze.ms),
            analyzeStackMs: Math.round(analyzeStackPhase.ms),
            wholePackMs: Math.round(whole.ms),
            auditInProcessMs: Math.round(auditInProcess.ms),
            auditCliMs: Math.round(auditCli.ms),
            packStartupMs: running.startupMs,
            grpcAnalyzeMs: Math.round(wire.analyzeMs),
            grpcAnalyzeStackMs: Math.round(wire.analyzeStackMs),
        }),
    );
}

bench().catch((e) => {
    console.error(e);
    process.exitCode = 1;
});
