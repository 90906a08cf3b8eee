/**
 * The `RunPlugin` RPC: runs a Node.js plugin (a folder with PulumiPlugin.yaml) through
 * @pulumi/pulumi's `cmd/run-plugin`, or a policy pack (PulumiPolicy.yaml, kind `analyzer`) through
 * `cmd/run-policy-pack` behind the PolicyProxy, and streams the process's stdout and stderr back to
 * the CLI, which reads the plugin's port from the first stdout line. The stream ends when the
 * process exits; a non-zero exit ends it with an error, as the upstream host does.
 *
 * One difference from the upstream host: the runtime's `nodeargs` go to `node` (before the runner's
 * script), where the upstream host passes them after the script, where Node never reads them.
 */
import * as grpc from "@grpc/grpc-js";
import { spawn } from "child_process";
import { locateModule, lookPath, interrupt, track } from "./nodeRuntime";
import { PolicyProxy, policyPackEnvironment } from "./policyProxy";
import { runtimeOptions, typescriptEnvironment } from "./runtimeOptions";

/* eslint-disable-next-line @typescript-eslint/no-require-imports -- generated protobuf stubs without typings */
const languageProto = require("@pulumi/pulumi/proto/language_pb.js");

export interface PluginRequestValues {
    /** Working directory of plugins other than policy packs. */
    pwd: string;
    args: string[];
    /** The full environment, as `KEY=value` (the CLI sends its own). */
    env: string[];
    kind: string;
    name: string;
    programDirectory: string;
    options: Record<string, unknown>;
    attachDebugger: boolean;
}

const ANALYZER = "analyzer";

/** The command line: runtime nodeargs, the runner, then the program folder and the plugin's arguments (last for a pack). */
export function pluginArguments(
    runPath: string,
    nodeargs: string[],
    request: Pick<PluginRequestValues, "kind" | "args" | "programDirectory">,
): string[] {
    const program = request.kind === ANALYZER ? [...request.args, request.programDirectory] : [request.programDirectory, ...request.args];
    return [...nodeargs, runPath, ...program];
}

/** `KEY=value` entries as an environment; a later entry wins, as in exec. */
export function environmentOf(entries: string[]): Record<string, string> {
    const env: Record<string, string> = {};
    for (const entry of entries) {
        const eq = entry.indexOf("=");
        if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return env;
}

type Stream = grpc.ServerWritableStream<unknown, unknown>;

function send(stream: Stream, field: "stdout" | "stderr", data: Buffer | string): void {
    if (stream.cancelled || stream.destroyed) return;
    const message = new languageProto.RunPluginResponse();
    if (field === "stdout") message.setStdout(Buffer.from(data));
    else message.setStderr(Buffer.from(data));
    stream.write(message);
}

export async function runPlugin(request: PluginRequestValues, stream: Stream): Promise<void> {
    const node = lookPath("node", environmentOf(request.env).PATH ?? process.env.PATH);
    if (!node) throw new Error("could not find node on the $PATH");
    if (request.attachDebugger) throw new Error("this language host does not attach debuggers");
    const options = runtimeOptions(request.options);
    const isPack = request.kind === ANALYZER;
    const runPath = locateModule(
        isPack ? "@pulumi/pulumi/cmd/run-policy-pack" : process.env.PULUMI_LANGUAGE_NODEJS_RUN_PATH || "@pulumi/pulumi/cmd/run-plugin",
        request.programDirectory,
        true,
    );
    const env: Record<string, string> = { ...environmentOf(request.env), ...typescriptEnvironment(options) };

    let proxy: PolicyProxy | undefined;
    if (isPack) {
        proxy = await PolicyProxy.start();
        send(stream, "stdout", `${proxy.port}\n`);
        Object.assign(env, policyPackEnvironment(await proxy.awaitConfiguration()));
    }
    try {
        await runProcess(
            node,
            pluginArguments(runPath, options.nodeargs, request),
            isPack ? request.programDirectory : request.pwd,
            env,
            stream,
            proxy,
        );
    } finally {
        proxy?.close();
    }
}

/** Runs the plugin process, streaming its output; a pack's first stdout line (its port) goes to the proxy instead. */
function runProcess(
    node: string,
    args: string[],
    cwd: string,
    env: Record<string, string>,
    stream: Stream,
    proxy: PolicyProxy | undefined,
): Promise<void> {
    return new Promise((resolve, reject) => {
        const child = track(spawn(node, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] }));
        const onCancel = () => interrupt(child);
        stream.once("cancelled", onCancel);
        let portLine = proxy ? "" : undefined;
        child.stdout!.on("data", (chunk: Buffer) => {
            if (portLine === undefined) return send(stream, "stdout", chunk);
            portLine += chunk.toString("utf8");
            const newline = portLine.indexOf("\n");
            if (newline < 0) return;
            const line = portLine.slice(0, newline).trim();
            const rest = portLine.slice(newline + 1);
            portLine = undefined;
            const port = Number(line);
            if (Number.isInteger(port) && port > 0) proxy!.attach(port);
            else proxy!.fail(new Error(`could not read policy pack port from ${JSON.stringify(line)}`));
            if (rest !== "") send(stream, "stdout", rest);
        });
        child.stderr!.on("data", (chunk: Buffer) => send(stream, "stderr", chunk));
        child.once("error", (err) =>
            reject(new Error(`Problem executing plugin program (could not run language executor): ${err.message}`)),
        );
        child.once("close", (code) => {
            stream.off("cancelled", onCancel);
            proxy?.fail(new Error(`the policy pack exited with code ${code ?? -1}`));
            if (code === 0) resolve();
            else reject(new Error(`Program exited with non-zero exit code: ${code ?? -1}`));
        });
    });
}
