/**
 * `pulumi-language-nodejs` for this project's test engine (docs/testing.md): the Node.js language
 * host the Pulumi CLI starts for `runtime: nodejs` programs, plugins and policy packs. No registry
 * reachable here serves the upstream host, so this one is written on what @pulumi/pulumi ships (its
 * gRPC stubs and its runners `cmd/run`, `cmd/run-plugin`, `cmd/run-policy-pack`).
 *
 * Started as the CLI starts it: `pulumi-language-nodejs [flags] <engine address>`; it prints the
 * port it serves on, and nothing else, on its first stdout line. Flags the CLI passes to every
 * plugin (`--logtostderr`, `-v=N`, `--logflow`) are accepted; `--tracing` is passed on to programs.
 */
import * as grpc from "@grpc/grpc-js";
import { HOST_VERSION, LanguageRuntime } from "./languageRuntime";
import { hostArguments } from "./hostArguments";
import { interruptAll } from "./nodeRuntime";

/** How often the engine is checked; the host exits when it has gone (the upstream host's interval). */
const ENGINE_CHECK_MS = 5 * 60 * 1000;

/** A gRPC health check of the engine; UNIMPLEMENTED counts as alive, as upstream. */
function watchEngine(address: string, onGone: () => void): void {
    const client = new grpc.Client(address, grpc.credentials.createInsecure());
    const timer = setInterval(() => {
        client.makeUnaryRequest(
            "/grpc.health.v1.Health/Check",
            (arg: Buffer) => arg,
            (buf: Buffer) => buf,
            Buffer.alloc(0),
            { deadline: Date.now() + 30000 },
            (err) => {
                if (err && err.code !== grpc.status.UNIMPLEMENTED) onGone();
            },
        );
    }, ENGINE_CHECK_MS);
    timer.unref();
}

async function main(): Promise<void> {
    const args = hostArguments(process.argv.slice(2));
    if (args.version) {
        process.stdout.write(`${HOST_VERSION}\n`);
        return;
    }
    if (args.runtime !== "nodejs") throw new Error(`unsupported runtime: ${args.runtime}`);
    const runtime = new LanguageRuntime(args.engineAddress, args.tracing);
    const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    const { definition, implementation } = runtime.service();
    server.addService(definition, implementation);
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const stop = () => {
        void interruptAll().then(() => {
            server.forceShutdown();
            process.exit(0);
        });
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (args.engineAddress !== "") watchEngine(args.engineAddress, stop);
    process.stdout.write(`${port}\n`);
}

main().catch((err: Error) => {
    process.stderr.write(`pulumi-language-nodejs: ${err.message}\n`);
    process.exit(1);
});
