/**
 * The LanguageRuntime gRPC service the CLI calls on `pulumi-language-nodejs`: plugin info, the
 * program's required packages and dependencies, `About`, `Run`, `RunPlugin` (plugins and policy
 * packs), `InstallDependencies` and `Cancel`. Code generation (`pulumi convert`, `package gen-sdk`,
 * templates) is not part of this test-engine host and answers UNIMPLEMENTED, saying so.
 */
import * as grpc from "@grpc/grpc-js";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import { interruptAll, lookPath, track } from "./nodeRuntime";
import { runPlugin } from "./pluginRun";
import { runProgram } from "./programRun";
import { installedDependencies, packageManagerOf } from "./programDependencies";
import { requiredPackages } from "./requiredPackages";

/* eslint-disable @typescript-eslint/no-require-imports -- generated gRPC stubs without typings */
const languageRpc = require("@pulumi/pulumi/proto/language_grpc_pb.js");
const languageProto = require("@pulumi/pulumi/proto/language_pb.js");
const pluginProto = require("@pulumi/pulumi/proto/plugin_pb.js");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb.js");
/* eslint-enable @typescript-eslint/no-require-imports */

/** A protobuf message of the generated stubs, which ship without typings. */
type Message = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type Call = grpc.ServerUnaryCall<Message, Message>;
type Callback = grpc.sendUnaryData<Message>;
type Stream = grpc.ServerWritableStream<Message, Message>;

/** The version this host reports: the @pulumi/pulumi it runs with. */
export const HOST_VERSION: string = require("@pulumi/pulumi/package.json").version; // eslint-disable-line @typescript-eslint/no-require-imports

/** ProgramInfo of a request, with the fallbacks of engines that send none. */
function programInfo(request: Message): {
    rootDirectory: string;
    programDirectory: string;
    entryPoint: string;
    options: Record<string, unknown>;
} {
    const info = request.getInfo?.();
    if (!info) {
        const pwd = request.getPwd?.() || process.cwd();
        return { rootDirectory: pwd, programDirectory: pwd, entryPoint: request.getProgram?.() || ".", options: {} };
    }
    return {
        rootDirectory: info.getRootDirectory(),
        programDirectory: info.getProgramDirectory(),
        entryPoint: info.getEntryPoint() || ".",
        options: info.getOptions()?.toJavaScript() ?? {},
    };
}

/** Answers a unary call from a function; a thrown error becomes the call's error. */
function unary(handler: (request: Message) => unknown | Promise<unknown>) {
    return (call: Call, callback: Callback) => {
        Promise.resolve()
            .then(() => handler(call.request))
            .then(
                (response) => callback(null, response),
                (err: Error) => callback({ code: grpc.status.UNKNOWN, details: err.message }),
            );
    };
}

function unimplemented(what: string) {
    return (_call: unknown, callback: Callback) =>
        callback({ code: grpc.status.UNIMPLEMENTED, details: `${what} is not supported by this test-engine Node.js language host` });
}

function versionOf(command: string, args: string[], cwd?: string): string {
    const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 30000 });
    return result.status === 0 ? result.stdout.trim() : "";
}

export class LanguageRuntime {
    /** Aborted by Cancel: every program run stops. */
    private cancellation = new AbortController();

    constructor(
        private engineAddress: string,
        private readonly tracing: string,
    ) {}

    /** The service implementation for grpc-js. */
    service(): { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation } {
        return {
            definition: languageRpc.LanguageRuntimeService,
            implementation: {
                handshake: unary((req) => {
                    this.engineAddress = req.getEngineAddress();
                    return new languageProto.LanguageHandshakeResponse();
                }),
                getRequiredPlugins: unimplemented("GetRequiredPlugins (superseded by GetRequiredPackages)"),
                getRequiredPackages: unary((req) => this.requiredPackages(req)),
                run: (call: Call, callback: Callback) => this.run(call, callback),
                getPluginInfo: unary(() => new pluginProto.PluginInfo().setVersion(HOST_VERSION)),
                installDependencies: (stream: Stream) => this.installDependencies(stream),
                runtimeOptionsPrompts: unary(() => new languageProto.RuntimeOptionsResponse()),
                template: unimplemented("Template"),
                about: unary((req) => this.about(req)),
                getProgramDependencies: unary((req) => this.programDependencies(req)),
                runPlugin: (stream: Stream) => this.runPlugin(stream),
                generateProgram: unimplemented("GenerateProgram"),
                generateProject: unimplemented("GenerateProject"),
                generatePackage: unimplemented("GeneratePackage"),
                pack: unimplemented("Pack"),
                link: unimplemented("Link"),
                cancel: unary(async () => {
                    this.cancellation.abort();
                    this.cancellation = new AbortController();
                    await interruptAll();
                    return new Empty();
                }),
            },
        };
    }

    private requiredPackages(req: Message) {
        const response = new languageProto.GetRequiredPackagesResponse();
        for (const plugin of requiredPackages(programInfo(req).programDirectory)) {
            const dependency = new pluginProto.PackageDependency()
                .setName(plugin.name)
                .setKind("resource")
                .setVersion(plugin.version)
                .setServer(plugin.server);
            if (plugin.parameterization) {
                const { name, version, value } = plugin.parameterization;
                dependency.setParameterization(
                    new pluginProto.PackageParameterization().setName(name).setVersion(version).setValue(Buffer.from(value, "base64")),
                );
            }
            response.addPackages(dependency);
        }
        return response;
    }

    private run(call: Call, callback: Callback): void {
        const req = call.request;
        const info = programInfo(req);
        const cancelled = new AbortController();
        const onCancel = () => cancelled.abort();
        this.cancellation.signal.addEventListener("abort", onCancel, { once: true });
        call.once("cancelled", onCancel);
        void runProgram(
            {
                monitorAddress: req.getMonitorAddress(),
                engineAddress: this.engineAddress,
                organization: req.getOrganization(),
                project: req.getProject(),
                stack: req.getStack(),
                rootDirectory: info.rootDirectory,
                programDirectory: info.programDirectory,
                entryPoint: info.entryPoint,
                dryRun: req.getDryrun(),
                parallel: req.getParallel(),
                tracing: this.tracing,
                args: req.getArgsList(),
                config: Object.fromEntries(req.getConfigMap().toObject() as [string, string][]),
                configSecretKeys: req.getConfigsecretkeysList(),
                options: info.options,
                attachDebugger: req.getAttachDebugger(),
            },
            cancelled.signal,
        ).then((result) => {
            this.cancellation.signal.removeEventListener("abort", onCancel);
            callback(null, new languageProto.RunResponse().setError(result.error).setBail(result.bail));
        });
    }

    private runPlugin(stream: Stream): void {
        const req = stream.request;
        const info = programInfo(req);
        runPlugin(
            {
                pwd: req.getPwd(),
                args: req.getArgsList(),
                env: req.getEnvList(),
                kind: req.getKind(),
                name: req.getName(),
                programDirectory: info.programDirectory,
                options: info.options,
                attachDebugger: req.getAttachDebugger(),
            },
            stream,
        ).then(
            () => stream.end(),
            (err: Error) => stream.destroy(Object.assign(new Error(err.message), { code: grpc.status.UNKNOWN, details: err.message })),
        );
    }

    private about(req: Message) {
        const info = programInfo(req);
        const node = lookPath("node");
        if (!node) throw new Error('could not find executable "node"');
        const manager = packageManagerOf(info.programDirectory, info.options);
        const response = new languageProto.AboutResponse().setExecutable(node).setVersion(versionOf(node, ["--version"]));
        const metadata = response.getMetadataMap();
        metadata.set("packagemanager", manager);
        metadata.set("packagemanagerVersion", versionOf(manager, ["--version"], info.programDirectory));
        try {
            const typescript = require.resolve("typescript/package.json", { paths: [info.programDirectory] });
            metadata.set("typescriptVersion", JSON.parse(fs.readFileSync(typescript, "utf8")).version);
        } catch {
            // a JavaScript program: no TypeScript to report
        }
        return response;
    }

    private programDependencies(req: Message) {
        const response = new languageProto.GetProgramDependenciesResponse();
        for (const dependency of installedDependencies(programInfo(req).programDirectory, req.getTransitivedependencies())) {
            response.addDependencies(new languageProto.DependencyInfo().setName(dependency.name).setVersion(dependency.version));
        }
        return response;
    }

    /** `pulumi install`: the package manager's install in the program's folder, its output streamed. */
    private installDependencies(stream: Stream): void {
        const info = programInfo(stream.request);
        const manager = packageManagerOf(info.programDirectory, info.options);
        const executable = lookPath(manager);
        if (!executable) {
            stream.destroy(Object.assign(new Error(`could not find ${manager} on the $PATH`), { code: grpc.status.FAILED_PRECONDITION }));
            return;
        }
        const production = info.options.production === true ? ["--production"] : [];
        const child = track(
            spawn(executable, ["install", ...production], { cwd: info.programDirectory, stdio: ["ignore", "pipe", "pipe"] }),
        );
        const forward = (field: "setStdout" | "setStderr") => (chunk: Buffer) =>
            stream.write(new languageProto.InstallDependenciesResponse()[field](chunk));
        child.stdout!.on("data", forward("setStdout"));
        child.stderr!.on("data", forward("setStderr"));
        child.once("error", (err) => stream.destroy(Object.assign(err, { code: grpc.status.UNKNOWN })));
        child.once("close", (code) => {
            if (code === 0) stream.end();
            else
                stream.destroy(
                    Object.assign(new Error(`${manager} install failed: exit code ${code ?? -1}`), { code: grpc.status.UNKNOWN }),
                );
        });
    }
}
