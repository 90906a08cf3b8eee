/**
 * Starts the policy pack the way the Pulumi CLI does and talks to it as the engine does: the
 * nodejs language host runs `node @pulumi/pulumi/cmd/run-policy-pack <engine address> <pack dir>`
 * with the pack directory as working directory (ts-node type-checks the pack first), reads the
 * port it prints, and calls the Analyzer gRPC service on 127.0.0.1.
 */
import { ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzedResource, Diagnostic, PolicySettings, providerUrn } from "../../policies/analyzer";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const analyzerGrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");

const ROOT = join(__dirname, "..", "..");
export const POLICIES = join(ROOT, "policies");
const RUN_POLICY_PACK = join(ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
/** The engine address the CLI passes first; the pack never dials it (it only serves). */
const ENGINE_ADDRESS = "127.0.0.1:0";

/** The wire enum's order (pulumirpc.EnforcementLevel). */
export const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;

export interface RunningPack {
    process: ChildProcess;
    client: grpc.Client & Record<string, any>;
    /** Time from spawn to the printed port: type-check, load, listen. */
    startupMs: number;
    stderr(): string;
    stop(): void;
}

export async function startPack(): Promise<RunningPack> {
    const started = Date.now();
    const child = spawn(process.execPath, [RUN_POLICY_PACK, ENGINE_ADDRESS, "."], { cwd: POLICIES, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const port = await new Promise<number>((resolve, reject) => {
        let stdout = "";
        child.stdout!.on("data", (d) => {
            stdout += d;
            const line = stdout.split("\n")[0].trim();
            if (stdout.includes("\n") && /^\d+$/.test(line)) resolve(Number(line));
        });
        child.on("exit", (code) => reject(new Error(`the pack exited with ${code} before serving:\n${stdout}\n${stderr}`)));
    });
    const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return {
        process: child,
        client,
        startupMs: Date.now() - started,
        stderr: () => stderr,
        stop: () => {
            client.close();
            child.kill();
        },
    };
}

type Unary = (request: unknown, callback: (err: grpc.ServiceError | null, response: any) => void) => void;

export function call<T>(client: Record<string, any>, method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) =>
        (client[method] as Unary).call(client, request, (err, response) => (err ? reject(err) : resolve(response))),
    );
}

function options(resource: AnalyzedResource) {
    return new analyzerPb.AnalyzerResourceOptions().setProtect(resource.protect ?? false).setParent(resource.parent ?? "");
}

function providerOf(provider: AnalyzedResource) {
    return new analyzerPb.AnalyzerProviderResource()
        .setType(provider.type)
        .setUrn(provider.urn)
        .setName(provider.name)
        .setProperties(Struct.fromJavaScript(provider.inputs));
}

export function analyzeRequest(resource: AnalyzedResource, provider?: AnalyzedResource) {
    const request = new analyzerPb.AnalyzeRequest()
        .setType(resource.type)
        .setUrn(resource.urn)
        .setName(resource.name)
        .setProperties(Struct.fromJavaScript(resource.inputs))
        .setOptions(options(resource));
    if (provider) request.setProvider(providerOf(provider));
    return request;
}

export function stackRequest(resources: AnalyzedResource[]) {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    return new analyzerPb.AnalyzeStackRequest().setResourcesList(
        resources.map((r) => {
            const resource = new analyzerPb.AnalyzerResource()
                .setType(r.type)
                .setUrn(r.urn)
                .setName(r.name)
                .setProperties(Struct.fromJavaScript(r.outputs))
                .setOptions(options(r))
                .setParent(r.parent ?? "")
                .setDependenciesList(r.dependencies ?? []);
            const provider = r.provider ? byUrn.get(providerUrn(r.provider)) : undefined;
            if (provider) resource.setProvider(providerOf(provider));
            return resource;
        }),
    );
}

export type WireDiagnostic = Pick<Diagnostic, "policyName" | "enforcementLevel" | "urn" | "message">;

export function diagnosticsOf(response: { getDiagnosticsList(): any[] }): WireDiagnostic[] {
    return response.getDiagnosticsList().map((d) => ({
        policyName: d.getPolicyname(),
        enforcementLevel: LEVELS[d.getEnforcementlevel()] as "advisory" | "mandatory",
        urn: d.getUrn() || undefined,
        message: d.getMessage(),
    }));
}

/** The Configure request the CLI sends with a reconciled `--policy-pack-config`. */
export function configureRequest(config: Map<string, PolicySettings>) {
    const request = new analyzerPb.ConfigureAnalyzerRequest();
    const map = request.getPolicyconfigMap();
    for (const [name, settings] of config) {
        const level = LEVELS.indexOf(settings.enforcementLevel as (typeof LEVELS)[number]);
        map.set(
            name,
            new analyzerPb.PolicyConfig().setEnforcementlevel(level).setProperties(Struct.fromJavaScript(settings.properties as never)),
        );
    }
    return request;
}
