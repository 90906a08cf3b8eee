/**
 * The Analyzer server a policy pack is reached through. The CLI starts a Node.js policy pack with
 * `RunPlugin` and then sends the stack's configuration over gRPC (ConfigureStack), while
 * @pulumi/policy reads the stack, project and config from environment variables when it starts. So,
 * as the upstream host does, this proxy answers first: it prints its own port, takes the
 * configuration, lets the caller start the pack with it in the environment, then forwards every call
 * to the pack's own server.
 */
import * as grpc from "@grpc/grpc-js";

/* eslint-disable @typescript-eslint/no-require-imports -- generated gRPC stubs without typings */
const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb.js");
const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb.js");
/* eslint-enable @typescript-eslint/no-require-imports */

/** What ConfigureStack tells a pack, as the environment variables it reads at start. */
export interface StackConfiguration {
    organization: string;
    project: string;
    stack: string;
    dryRun: boolean;
    config: Record<string, string>;
}

/** The environment @pulumi/pulumi's policy-pack runner reads the stack from (empty values left out). */
export function policyPackEnvironment(stack: StackConfiguration | undefined): Record<string, string> {
    if (!stack) return {};
    const env: Record<string, string> = {
        PULUMI_NODEJS_ORGANIZATION: stack.organization,
        PULUMI_NODEJS_PROJECT: stack.project,
        PULUMI_NODEJS_STACK: stack.stack,
        PULUMI_NODEJS_DRY_RUN: String(stack.dryRun),
        PULUMI_CONFIG: JSON.stringify(stack.config),
    };
    return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
}

type Call = grpc.ServerUnaryCall<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Callback = grpc.sendUnaryData<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type AnalyzerClient = grpc.Client &
    Record<string, (request: unknown, callback: (err: grpc.ServiceError | null, value?: unknown) => void) => void>;

const AnalyzerClientConstructor = grpc.makeGenericClientConstructor(analyzerRpc.AnalyzerService, "Analyzer");

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: Error) => void } {
    let resolve!: (value: T) => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
    });
    return { promise, resolve, reject };
}

export class PolicyProxy {
    private readonly configuration = deferred<StackConfiguration | undefined>();
    private readonly client = deferred<AnalyzerClient>();
    private configured = false;
    private configureRequest: unknown;

    private constructor(
        private readonly server: grpc.Server,
        readonly port: number,
    ) {}

    static async start(): Promise<PolicyProxy> {
        const server = new grpc.Server();
        const port = await new Promise<number>((resolve, reject) =>
            server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
        );
        const proxy = new PolicyProxy(server, port);
        server.addService(analyzerRpc.AnalyzerService, proxy.handlers());
        return proxy;
    }

    /** The stack configuration, or undefined when the CLI called something else first (e.g. `policy publish`). */
    awaitConfiguration(): Promise<StackConfiguration | undefined> {
        return this.configuration.promise;
    }

    /** Connects to the pack's own server at `port` and forwards what the proxy was told so far. */
    attach(port: number): void {
        const client = new AnalyzerClientConstructor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as AnalyzerClient;
        if (!this.configureRequest) {
            this.client.resolve(client);
            return;
        }
        client.configureStack(this.configureRequest, (err) => {
            // Older packs have no ConfigureStack; the environment already told them.
            if (err && err.code !== grpc.status.UNIMPLEMENTED)
                this.client.reject(new Error(`policy pack configuration failed: ${err.message}`));
            else this.client.resolve(client);
        });
    }

    /** The pack could not be started or exited: calls waiting for it fail with this. */
    fail(err: Error): void {
        this.client.reject(err);
        this.client.promise.catch(() => undefined);
    }

    close(): void {
        this.server.forceShutdown();
        void this.client.promise.then((client) => client.close()).catch(() => undefined);
    }

    private takeConfiguration(configuration: StackConfiguration | undefined, request: unknown): void {
        if (this.configured) return;
        this.configured = true;
        this.configureRequest = request;
        this.configuration.resolve(configuration);
    }

    private handlers(): grpc.UntypedServiceImplementation {
        const forward = (method: string) => (call: Call, callback: Callback) => {
            // A call before ConfigureStack starts the pack with no configuration, as upstream does.
            this.takeConfiguration(undefined, undefined);
            this.client.promise.then(
                (client) => client[method](call.request, (err, value) => callback(err, value)),
                (err: Error) => callback({ code: grpc.status.UNAVAILABLE, details: `policy pack not started: ${err.message}` }),
            );
        };
        const handlers: grpc.UntypedServiceImplementation = {};
        for (const method of Object.keys(analyzerRpc.AnalyzerService)) handlers[method] = forward(method);
        handlers.handshake = (_call: Call, callback: Callback) => callback(null, new analyzerProto.AnalyzerHandshakeResponse());
        handlers.configureStack = (call: Call, callback: Callback) => {
            const req = call.request;
            this.takeConfiguration(
                {
                    organization: req.getOrganization(),
                    project: req.getProject(),
                    stack: req.getStack(),
                    dryRun: req.getDryRun(),
                    config: Object.fromEntries(req.getConfigMap().toObject() as [string, string][]),
                },
                req,
            );
            callback(null, new analyzerProto.AnalyzerStackConfigureResponse());
        };
        return handlers;
    }
}
