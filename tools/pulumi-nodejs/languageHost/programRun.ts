/**
 * The `Run` RPC: starts @pulumi/pulumi's program runner (`cmd/run`) in `node`, with the runtime
 * options of Pulumi.yaml, connected straight to the engine's resource monitor, and answers with the
 * runner's outcome. The program's stdout and stderr are the host's own, which the CLI shows as the
 * program's output, as with the upstream host.
 *
 * The upstream host puts a forwarding proxy between the runner and the monitor and opens pipes for
 * synchronous invokes; the proxy only forwards, and @pulumi/pulumi 3.270 has no synchronous invokes
 * left, so the runner gets the monitor's address itself.
 */
import { spawn } from "child_process";
import {
    EXIT_AFTER_USER_MESSAGE,
    looksOutOfMemory,
    OUT_OF_MEMORY_HINT,
    ProgramRun,
    runnerArguments,
    runnerConfig,
    runOutcome,
} from "./programInvocation";
import { locateModule, lookPath, interrupt, track } from "./nodeRuntime";
import { runtimeOptions, typescriptEnvironment } from "./runtimeOptions";

/** The request, read off its protobuf message. */
export interface RunRequestValues extends ProgramRun {
    options: Record<string, unknown>;
    attachDebugger: boolean;
}

export interface RunResult {
    error: string;
    bail: boolean;
}

/** How much of the runner's stderr is kept to look for an out-of-memory report (it comes at the end). */
const STDERR_TAIL = 64 * 1024;

/**
 * Runs the program; resolves when the runner exits. `cancelled` interrupts it (Cancel RPC, the call
 * cancelled by the CLI, or the host interrupted).
 */
export function runProgram(request: RunRequestValues, cancelled: AbortSignal): Promise<RunResult> {
    const node = lookPath("node");
    if (!node) return Promise.resolve({ error: `could not find node on the $PATH: ${process.env.PATH ?? ""}`, bail: false });
    if (request.attachDebugger) return Promise.resolve({ error: "this language host does not attach debuggers", bail: false });
    let args: string[];
    let env: NodeJS.ProcessEnv;
    try {
        const options = runtimeOptions(request.options);
        const runPath = locateModule(
            process.env.PULUMI_LANGUAGE_NODEJS_RUN_PATH || "@pulumi/pulumi/cmd/run",
            request.programDirectory,
            false,
        );
        args = [...options.nodeargs, ...runnerArguments(runPath, request)];
        env = {
            ...process.env,
            PULUMI_CONFIG: JSON.stringify(runnerConfig(request.config)),
            PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(request.configSecretKeys),
            ...typescriptEnvironment(options),
        };
    } catch (err) {
        return Promise.resolve({ error: (err as Error).message, bail: false });
    }
    return new Promise((resolve) => {
        const child = track(spawn(node, args, { env, stdio: ["ignore", "inherit", "pipe"] }));
        let stderrTail = "";
        child.stderr!.on("data", (chunk: Buffer) => {
            process.stderr.write(chunk);
            stderrTail = (stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL);
        });
        const onCancel = () => interrupt(child);
        cancelled.addEventListener("abort", onCancel, { once: true });
        child.once("error", (err) => {
            cancelled.removeEventListener("abort", onCancel);
            resolve({ error: `Problem executing program (could not run language executor): ${err.message}`, bail: false });
        });
        // "close": the runner's stderr is read to its end before the outcome is judged.
        child.once("close", (code) => {
            cancelled.removeEventListener("abort", onCancel);
            const outcome = runOutcome(code);
            if (code !== 0 && code !== EXIT_AFTER_USER_MESSAGE && looksOutOfMemory(stderrTail)) outcome.error += `. ${OUT_OF_MEMORY_HINT}`;
            resolve(outcome);
        });
    });
}
