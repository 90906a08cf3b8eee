/**
 * A resource plugin in a child process, driven as the engine drives it: started as the e2e tier's
 * launcher starts the test-engine stand-in plugins (`node --require scripts/load-typescript.js
 * <main.ts> <engine address>`), its port read from the first line of its stdout, then the engine's
 * ResourceProvider gRPC calls with properties as google.protobuf.Struct. An engine service in the
 * test takes the plugin's log messages.
 */
import * as grpc from "@grpc/grpc-js";
import { ChildProcessWithoutNullStreams, spawn } from "child_process";
import * as path from "path";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engproto from "@pulumi/pulumi/proto/engine_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { PROJECT_ROOT } from "../../config/stackFile";

type Properties = Record<string, any>;

export interface EngineLogMessage {
    severity: engproto.LogSeverity;
    message: string;
    urn: string;
    ephemeral: boolean;
}

export interface PluginDiff {
    changes: "none" | "some" | "unknown";
    replaces: string[];
}

const DIFF_CHANGES: Record<number, PluginDiff["changes"]> = {
    [provproto.DiffResponse.DiffChanges.DIFF_NONE]: "none",
    [provproto.DiffResponse.DiffChanges.DIFF_SOME]: "some",
    [provproto.DiffResponse.DiffChanges.DIFF_UNKNOWN]: "unknown",
};

export class ResourcePlugin {
    private constructor(
        private readonly engine: grpc.Server,
        private readonly child: ChildProcessWithoutNullStreams,
        private readonly client: provrpc.ResourceProviderClient,
        /** What the plugin logged to the engine, in order. */
        readonly logs: EngineLogMessage[],
        private readonly output: { stderr: string },
    ) {}

    /** Starts `main` (a repository-relative .ts file) as the launcher does. */
    static async start(main: string): Promise<ResourcePlugin> {
        const logs: EngineLogMessage[] = [];
        const engine = new grpc.Server();
        engine.addService(engrpc.EngineService, {
            log: (call: grpc.ServerUnaryCall<engproto.LogRequest, Empty>, cb: grpc.sendUnaryData<Empty>) => {
                const r = call.request;
                logs.push({ severity: r.getSeverity(), message: r.getMessage(), urn: r.getUrn(), ephemeral: r.getEphemeral() });
                cb(null, new Empty());
            },
        });
        const engineAddress = await new Promise<string>((resolve, reject) =>
            engine.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) =>
                err ? reject(err) : resolve(`127.0.0.1:${port}`),
            ),
        );
        const args = ["--require", path.join(PROJECT_ROOT, "scripts/load-typescript.js"), path.join(PROJECT_ROOT, main), engineAddress];
        const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ["pipe", "pipe", "pipe"] });
        const output = { stderr: "" };
        child.stderr.on("data", (d: Buffer) => (output.stderr += d.toString()));
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            child.stdout.on("data", (d: Buffer) => {
                out += d.toString();
                if (out.includes("\n")) resolve(Number(out.split("\n")[0].trim()));
            });
            child.once("exit", (code) => reject(new Error(`${main} exited with ${code} before printing its port:\n${output.stderr}`)));
        });
        const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new ResourcePlugin(engine, child, client, logs, output);
    }

    /** The plugin's stderr so far, for failure messages. */
    get errorOutput(): string {
        return this.output.stderr;
    }

    private unary<Res>(invoke: (done: (err: grpc.ServiceError | null, res: Res) => void) => void): Promise<Res> {
        return new Promise((resolve, reject) => invoke((err, res) => (err ? reject(err) : resolve(res))));
    }

    async version(): Promise<string> {
        return (await this.unary<PluginInfo>((done) => this.client.getPluginInfo(new Empty(), done))).getVersion();
    }

    /** Configures the plugin as the engine does; what the plugin says it accepts. */
    async configure(): Promise<{ acceptSecrets: boolean; supportsPreview: boolean }> {
        const request = new provproto.ConfigureRequest();
        request.setArgs(Struct.fromJavaScript({}));
        request.setAcceptsecrets(true);
        request.setAcceptresources(true);
        const response = await this.unary<provproto.ConfigureResponse>((done) => this.client.configure(request, done));
        return { acceptSecrets: response.getAcceptsecrets(), supportsPreview: response.getSupportspreview() };
    }

    /** The checked inputs and the failures as the engine prints them (`property: reason`). */
    async check(urn: string, olds: Properties, news: Properties): Promise<{ inputs: Properties; failures: string[] }> {
        const request = new provproto.CheckRequest();
        request.setUrn(urn);
        request.setOlds(Struct.fromJavaScript(olds));
        request.setNews(Struct.fromJavaScript(news));
        const response = await this.unary<provproto.CheckResponse>((done) => this.client.check(request, done));
        return {
            inputs: response.getInputs()?.toJavaScript() ?? {},
            failures: response.getFailuresList().map((f) => `${f.getProperty()}: ${f.getReason()}`),
        };
    }

    /** `olds` is the state (old outputs), `news` the checked new inputs. */
    async diff(urn: string, id: string, olds: Properties, news: Properties): Promise<PluginDiff> {
        const request = new provproto.DiffRequest();
        request.setUrn(urn);
        request.setId(id);
        request.setOlds(Struct.fromJavaScript(olds));
        request.setNews(Struct.fromJavaScript(news));
        const response = await this.unary<provproto.DiffResponse>((done) => this.client.diff(request, done));
        return { changes: DIFF_CHANGES[response.getChanges()], replaces: response.getReplacesList() };
    }

    async create(urn: string, properties: Properties): Promise<{ id: string; outs: Properties }> {
        const request = new provproto.CreateRequest();
        request.setUrn(urn);
        request.setProperties(Struct.fromJavaScript(properties));
        const response = await this.unary<provproto.CreateResponse>((done) => this.client.create(request, done));
        return { id: response.getId(), outs: response.getProperties()?.toJavaScript() ?? {} };
    }

    async update(urn: string, id: string, olds: Properties, news: Properties): Promise<Properties> {
        const request = new provproto.UpdateRequest();
        request.setUrn(urn);
        request.setId(id);
        request.setOlds(Struct.fromJavaScript(olds));
        request.setNews(Struct.fromJavaScript(news));
        const response = await this.unary<provproto.UpdateResponse>((done) => this.client.update(request, done));
        return response.getProperties()?.toJavaScript() ?? {};
    }

    async delete(urn: string, id: string, properties: Properties): Promise<void> {
        const request = new provproto.DeleteRequest();
        request.setUrn(urn);
        request.setId(id);
        request.setProperties(Struct.fromJavaScript(properties));
        await this.unary<Empty>((done) => this.client.delete(request, done));
    }

    async read(urn: string, id: string, properties: Properties): Promise<{ id: string; props: Properties }> {
        const request = new provproto.ReadRequest();
        request.setUrn(urn);
        request.setId(id);
        request.setProperties(Struct.fromJavaScript(properties));
        const response = await this.unary<provproto.ReadResponse>((done) => this.client.read(request, done));
        return { id: response.getId(), props: response.getProperties()?.toJavaScript() ?? {} };
    }

    async cancel(): Promise<void> {
        await this.unary<Empty>((done) => this.client.cancel(new Empty(), done));
    }

    async stop(): Promise<void> {
        this.client.close();
        if (this.child.exitCode === null && this.child.signalCode === null) {
            const exited = new Promise((r) => this.child.once("exit", r));
            this.child.kill("SIGTERM");
            await exited;
        }
        this.engine.forceShutdown();
    }
}
