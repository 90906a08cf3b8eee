/**
 * How a `Run` request becomes the command line and environment of @pulumi/pulumi's program runner
 * (`cmd/run`), as the upstream Node.js language host builds them: the runner's flags, the program's
 * entry point and arguments, the stack config in PULUMI_CONFIG and its secret keys in
 * PULUMI_CONFIG_SECRET_KEYS.
 */

/** What the host reads of a RunRequest (plain values, so the mapping is tested without gRPC). */
export interface ProgramRun {
    monitorAddress: string;
    engineAddress: string;
    organization: string;
    project: string;
    stack: string;
    rootDirectory: string;
    programDirectory: string;
    entryPoint: string;
    dryRun: boolean;
    parallel: number;
    tracing: string;
    args: string[];
    config: Record<string, string>;
    configSecretKeys: string[];
}

/** The runner's arguments: flags whose value is empty are left out, as the runner then uses its defaults. */
export function runnerArguments(runPath: string, run: ProgramRun): string[] {
    const flags: [string, string][] = [
        ["monitor", run.monitorAddress],
        ["engine", run.engineAddress],
        ["organization", run.organization],
        ["project", run.project],
        ["root-directory", run.rootDirectory],
        ["stack", run.stack],
        ["pwd", run.programDirectory],
    ];
    const args = [runPath, ...flags.filter(([, value]) => value !== "").flatMap(([flag, value]) => [`--${flag}`, value])];
    if (run.dryRun) args.push("--dry-run");
    args.push("--parallel", String(run.parallel));
    if (run.tracing !== "") args.push("--tracing", run.tracing);
    return [...args, run.entryPoint, ...run.args];
}

/**
 * The config the runner reads from PULUMI_CONFIG. The engine sends `namespace:name` keys; the SDK
 * also reads the older `namespace:config:name` form, which every SDK version understands, so the
 * host sends that one.
 */
export function runnerConfig(config: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(config).map(([key, value]) => [legacyConfigKey(key), value]));
}

function legacyConfigKey(key: string): string {
    const legacy = /^([^:]+):config:(.+)$/.exec(key);
    if (legacy) return key;
    const colon = key.indexOf(":");
    if (colon <= 0 || colon === key.length - 1)
        throw new Error(`could not parse ${JSON.stringify(key)} as a configuration key (expected namespace:name)`);
    return `${key.slice(0, colon)}:config:${key.slice(colon + 1)}`;
}

/** The runner's exit code that says the program already showed the user an actionable message. */
export const EXIT_AFTER_USER_MESSAGE = 32;

/** What the host answers for the runner's exit: an error message, or a bail when the program reported its own error. */
export function runOutcome(exitCode: number | null): { error: string; bail: boolean } {
    if (exitCode === 0) return { error: "", bail: false };
    if (exitCode === EXIT_AFTER_USER_MESSAGE) return { error: "", bail: true };
    // A process ended by a signal has no exit code; Go's ExitCode() reports -1 for it, and so does this host.
    return { error: `Program exited with non-zero exit code: ${exitCode ?? -1}`, bail: false };
}

/** Lines V8 prints when the heap is exhausted (the second when the debugger hook obscures the first). */
const OUT_OF_MEMORY_SIGNS = ["<--- Last few GCs --->", "Check failed: needs_context && current_scope_ == closure_scope_"];

export function looksOutOfMemory(stderr: string): boolean {
    return OUT_OF_MEMORY_SIGNS.some((sign) => stderr.includes(sign));
}

export const OUT_OF_MEMORY_HINT =
    "Detected a possible out of memory error. Consider increasing the memory available to the nodejs process " +
    "by setting the `nodeargs` runtime option in Pulumi.yaml to `nodeargs: --max-old-space-size=<size>` where " +
    "`<size>` is the maximum memory in megabytes that can be allocated to nodejs. " +
    "See https://www.pulumi.com/docs/concepts/projects/project-file/#runtime-options";
