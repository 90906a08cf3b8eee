/**
 * Runs the program the way `pulumi up`/`preview` does: the Pulumi Node.js language host entry point
 * (`@pulumi/pulumi/cmd/run`, what pulumi-language-nodejs starts) in a child process, configured by the
 * same environment variables the CLI sets, talking gRPC to an engine and resource monitor served here.
 * The monitor answers registrations like the mocks do (mockOutputs.ts) and records them.
 */
import * as grpc from "@grpc/grpc-js";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { MockResourceArgs } from "@pulumi/pulumi/runtime";
import { CONFIG_NAMESPACE } from "../../config";
import { PROJECT_ROOT } from "../../config/stackFile";
import { RecordingMocks } from "./recorder";

/* eslint-disable @typescript-eslint/no-require-imports */
const resrpc = require("@pulumi/pulumi/proto/resource_grpc_pb.js");
const resproto = require("@pulumi/pulumi/proto/resource_pb.js");
const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb.js");
const engproto = require("@pulumi/pulumi/proto/engine_pb.js");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb.js");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb.js");
const rpc = require("@pulumi/pulumi/runtime/rpc") as {
    deserializeProperties(s: unknown): Record<string, unknown>;
    serializeProperties(label: string, props: Record<string, unknown>): Promise<Record<string, unknown>>;
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Monitor features this engine reports; the SDK adapts its wire format to them as it does with the real engine. */
const FEATURES = new Set(["secrets", "resourceReferences", "deletedWith", "aliasSpecs"]);

export interface HostRun {
    exitCode: number | null;
    mocks: RecordingMocks;
    /** Messages the program logged through the engine (`pulumi.log.*`, errors). */
    logs: { severity: number; message: string }[];
    stderr: string;
    wallMs: number;
}

type Call = grpc.ServerUnaryCall<any, any>;
type Callback = grpc.sendUnaryData<any>;

function startServer(
    mocks: RecordingMocks,
    logs: HostRun["logs"],
    project: string,
    stack: string,
): Promise<{ server: grpc.Server; address: string }> {
    let rootUrn = "";
    const server = new grpc.Server();
    server.addService(resrpc.ResourceMonitorService, {
        supportsFeature: (call: Call, cb: Callback) => {
            const resp = new resproto.SupportsFeatureResponse();
            resp.setHassupport(FEATURES.has(call.request.getId()));
            cb(null, resp);
        },
        // grpc-js ignores a handler's return value; these catch their own errors and answer through cb.
        // eslint-disable-next-line @typescript-eslint/no-misused-promises
        registerResource: async (call: Call, cb: Callback) => {
            try {
                const req = call.request;
                const args: MockResourceArgs = {
                    type: req.getType(),
                    name: req.getName(),
                    inputs: rpc.deserializeProperties(req.getObject()),
                    provider: req.getProvider(),
                    custom: req.getCustom(),
                    id: req.getImportid(),
                };
                const result = mocks.newResource(args);
                const parentType = req.getParent() ? req.getParent().split("::")[2] + "$" : "";
                const urn = `urn:pulumi:${stack}::${project}::${parentType}${args.type}::${args.name}`;
                mocks.annotate(req, urn);
                const resp = new resproto.RegisterResourceResponse();
                resp.setUrn(urn);
                resp.setId(args.custom ? (result.id ?? "") : "");
                resp.setObject(Struct.fromJavaScript(await rpc.serializeProperties("", result.state)));
                cb(null, resp);
            } catch (err) {
                cb(err as grpc.ServiceError);
            }
        },
        // Resource.get: answered like the mock runtime answers a read (the mocks' state for that type).
        // eslint-disable-next-line @typescript-eslint/no-misused-promises
        readResource: async (call: Call, cb: Callback) => {
            try {
                const req = call.request;
                const result = mocks.newResource({
                    type: req.getType(),
                    name: req.getName(),
                    inputs: rpc.deserializeProperties(req.getProperties()),
                    provider: req.getProvider(),
                    custom: true,
                    id: req.getId(),
                });
                const parentType = req.getParent() ? req.getParent().split("::")[2] + "$" : "";
                const urn = `urn:pulumi:${stack}::${project}::${parentType}${req.getType()}::${req.getName()}`;
                const none = () => [];
                mocks.annotate(
                    {
                        getType: () => req.getType(),
                        getName: () => req.getName(),
                        getParent: () => req.getParent(),
                        getDependenciesList: () => req.getDependenciesList(),
                        getProtect: () => false,
                        getAdditionalsecretoutputsList: none,
                        getIgnorechangesList: none,
                    },
                    urn,
                    true,
                );
                const resp = new resproto.ReadResourceResponse();
                resp.setUrn(urn);
                resp.setProperties(Struct.fromJavaScript(await rpc.serializeProperties("", result.state)));
                cb(null, resp);
            } catch (err) {
                cb(err as grpc.ServiceError);
            }
        },
        registerResourceOutputs: (_call: Call, cb: Callback) => cb(null, new Empty()),
        // eslint-disable-next-line @typescript-eslint/no-misused-promises
        invoke: async (call: Call, cb: Callback) => {
            try {
                const result = mocks.call({
                    token: call.request.getTok(),
                    inputs: rpc.deserializeProperties(call.request.getArgs()),
                    provider: call.request.getProvider(),
                });
                const resp = new resproto.ResourceInvokeResponse();
                resp.setReturn(Struct.fromJavaScript(await rpc.serializeProperties("", result)));
                cb(null, resp);
            } catch (err) {
                cb(err as grpc.ServiceError);
            }
        },
        registerPackage: (_call: Call, cb: Callback) => {
            const resp = new resproto.RegisterPackageResponse();
            resp.setRef("package-ref");
            cb(null, resp);
        },
    });
    server.addService(engrpc.EngineService, {
        log: (call: Call, cb: Callback) => {
            logs.push({ severity: call.request.getSeverity(), message: call.request.getMessage() });
            if (process.env.HOST_DEBUG) process.stderr.write(`LOG ${call.request.getMessage()}\n`);
            cb(null, new Empty());
        },
        getRootResource: (_call: Call, cb: Callback) => {
            const resp = new engproto.GetRootResourceResponse();
            resp.setUrn(rootUrn);
            cb(null, resp);
        },
        setRootResource: (call: Call, cb: Callback) => {
            rootUrn = call.request.getUrn();
            cb(null, new engproto.SetRootResourceResponse());
        },
        requirePulumiVersion: (_call: Call, cb: Callback) => cb(null, new engproto.RequirePulumiVersionResponse()),
    });
    return new Promise((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) =>
            err ? reject(err) : resolve({ server, address: `127.0.0.1:${port}` }),
        ),
    );
}

/** Pulumi.yaml's nodejs runtime options, which pulumi-language-nodejs turns into Node arguments and environment variables. */
export interface RuntimeOptions {
    typescript?: boolean;
    tsconfig?: string;
    nodeargs?: string;
}

export function runtimeOptions(): RuntimeOptions {
    const project = parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as { runtime: { options?: RuntimeOptions } };
    return project.runtime.options ?? {};
}

/**
 * Pulumi.yaml's nodeargs as the language host passes them to Node (it shell-splits them; ours have no
 * quoting), with the scripts they preload as absolute paths, so any working directory will do.
 */
export function programNodeArgs(): string[] {
    const nodeargs = runtimeOptions().nodeargs?.trim().split(/\s+/) ?? [];
    return nodeargs.map((arg) => (arg.startsWith("./") ? path.join(PROJECT_ROOT, arg) : arg));
}

/**
 * Runs `index.ts` under the real language host for `stack` with the given stack settings (keys without
 * namespace) and returns what it registered. Arguments and environment are built as
 * pulumi-language-nodejs builds them (constructArguments/constructEnv in its main.go), from Pulumi.yaml.
 */
export async function runLanguageHost(
    stack: string,
    settings: Record<string, unknown>,
    options: { preview?: boolean; env?: Record<string, string> } = {},
): Promise<HostRun> {
    const project = "claude-enhancer";
    const mocks = new RecordingMocks();
    const logs: HostRun["logs"] = [];
    const { server, address } = await startServer(mocks, logs, project, stack);
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(settings)) {
        // The language host passes keys in the legacy `<namespace>:config:<name>` form; the SDK normalises them.
        config[`${CONFIG_NAMESPACE}:config:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    const started = Date.now();
    try {
        const runtime = runtimeOptions();
        const preview = options.preview ?? true;
        const args = [
            ...programNodeArgs(),
            path.join(PROJECT_ROOT, "node_modules/@pulumi/pulumi/cmd/run"),
            ...["--monitor", address, "--engine", address, "--organization", "organization", "--project", project],
            ...["--root-directory", PROJECT_ROOT, "--stack", stack, "--pwd", PROJECT_ROOT],
            ...(preview ? ["--dry-run"] : []),
            ...["--parallel", "16", "."],
        ];
        const child = spawn(process.execPath, args, {
            cwd: PROJECT_ROOT,
            env: {
                ...process.env,
                ...options.env,
                PULUMI_CONFIG: JSON.stringify(config),
                PULUMI_CONFIG_SECRET_KEYS: "[]",
                ...(runtime.typescript !== false ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {}),
                ...(runtime.tsconfig ? { PULUMI_NODEJS_TSCONFIG_PATH: runtime.tsconfig } : {}),
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => process.env.HOST_DEBUG && process.stderr.write(d));
        child.stderr.on("data", (d: Buffer) => {
            stderr += d.toString();
            if (process.env.HOST_DEBUG) process.stderr.write(d);
        });
        // "close", not "exit": the host's stderr may still be arriving when it has exited.
        const exitCode = await new Promise<number | null>((resolve) => child.on("close", resolve));
        return { exitCode, mocks, logs, stderr, wallMs: Date.now() - started };
    } finally {
        server.forceShutdown();
    }
}
