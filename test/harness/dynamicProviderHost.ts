/**
 * Pulumi's own dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`, what the engine's
 * `pulumi-resource-pulumi-nodejs` starts with the engine's address) in a child process, driven over
 * gRPC with the engine's Configure/Check/Diff/Create/Update calls, for tests of a dynamic provider as
 * the engine runs it: from the `__provider` text the closure serialiser stored in its inputs.
 */
import * as grpc from "@grpc/grpc-js";
import { ChildProcessWithoutNullStreams, spawn } from "child_process";
import * as path from "path";
import { PROJECT_ROOT } from "../../config/stackFile";

/* eslint-disable @typescript-eslint/no-require-imports */
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb.js");
const provproto = require("@pulumi/pulumi/proto/provider_pb.js");
const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb.js");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb.js");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb.js");
/* eslint-enable @typescript-eslint/no-require-imports */

type Client = Record<string, (req: unknown, cb: (err: grpc.ServiceError | null, resp: any) => void) => void> & grpc.Client;

export interface CheckResult {
    inputs: Record<string, any>;
    /** `property: reason`, as the engine prints a check failure. */
    failures: string[];
}

export class DynamicProviderHost {
    private constructor(
        private readonly engine: grpc.Server,
        private readonly child: ChildProcessWithoutNullStreams,
        private readonly client: Client,
        private readonly urn: string,
    ) {}

    /** Starts the host for resources of `urn` and configures it as the engine does. */
    static async start(urn: string): Promise<DynamicProviderHost> {
        const engine = new grpc.Server();
        engine.addService(engrpc.EngineService, {
            log: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => cb(null, new Empty()),
        });
        const engineAddress = await new Promise<string>((resolve, reject) =>
            engine.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) =>
                err ? reject(err) : resolve(`127.0.0.1:${port}`),
            ),
        );
        const script = path.join(PROJECT_ROOT, "node_modules/@pulumi/pulumi/cmd/dynamic-provider");
        const child = spawn(process.execPath, [script, engineAddress], { cwd: PROJECT_ROOT, stdio: ["pipe", "pipe", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            child.stdout.on("data", (d: Buffer) => {
                out += d.toString();
                if (out.includes("\n")) resolve(Number(out.split("\n")[0].trim()));
            });
            child.once("exit", (code) => reject(new Error(`the provider host exited with ${code}:\n${stderr}`)));
        });
        const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as Client;
        const host = new DynamicProviderHost(engine, child, client, urn);
        const configure = new provproto.ConfigureRequest();
        configure.setArgs(Struct.fromJavaScript({}));
        configure.setAcceptsecrets(true);
        configure.setAcceptresources(true);
        await host.call("configure", configure);
        return host;
    }

    private call(method: string, request: unknown): Promise<any> {
        return new Promise((resolve, reject) => this.client[method](request, (err, resp) => (err ? reject(err) : resolve(resp))));
    }

    async check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
        const request = new provproto.CheckRequest();
        request.setUrn(this.urn);
        request.setOlds(Struct.fromJavaScript(olds));
        request.setNews(Struct.fromJavaScript(news));
        const response = await this.call("check", request);
        return {
            inputs: response.getInputs().toJavaScript(),
            failures: response
                .getFailuresList()
                .map((f: { getProperty(): string; getReason(): string }) => `${f.getProperty()}: ${f.getReason()}`),
        };
    }

    /** Whether the provider reports changes, and the properties that force a replacement. */
    async diff(
        id: string,
        olds: Record<string, unknown>,
        news: Record<string, unknown>,
    ): Promise<{ changes: boolean; replaces: string[] }> {
        const request = new provproto.DiffRequest();
        request.setId(id);
        request.setUrn(this.urn);
        request.setOlds(Struct.fromJavaScript(olds));
        request.setNews(Struct.fromJavaScript(news));
        const response = await this.call("diff", request);
        return { changes: response.getChanges() === provproto.DiffResponse.DiffChanges.DIFF_SOME, replaces: response.getReplacesList() };
    }

    async create(properties: Record<string, unknown>): Promise<{ id: string; outs: Record<string, any> }> {
        const request = new provproto.CreateRequest();
        request.setUrn(this.urn);
        request.setProperties(Struct.fromJavaScript(properties));
        const response = await this.call("create", request);
        return { id: response.getId(), outs: response.getProperties().toJavaScript() };
    }

    async update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<Record<string, any>> {
        const request = new provproto.UpdateRequest();
        request.setId(id);
        request.setUrn(this.urn);
        request.setOlds(Struct.fromJavaScript(olds));
        request.setNews(Struct.fromJavaScript(news));
        const response = await this.call("update", request);
        return response.getProperties().toJavaScript();
    }

    async stop(): Promise<void> {
        this.client.close();
        if (this.child.exitCode === null) {
            const exited = new Promise((r) => this.child.once("exit", r));
            this.child.kill("SIGTERM");
            await exited;
        }
        this.engine.forceShutdown();
    }
}
