/**
 * What a finished command makes of a step in the test-engine stand-in for the command plugin (no
 * registry here serves the upstream one), in pulumi-command's terms: on success the outputs `stdout`
 * and `stderr`, each without one trailing newline; otherwise the step fails with Go's description of
 * the process's end, the quoted command and everything it printed (`exit status 2: running "…":\n…`).
 */

export interface CommandRun {
    command: string;
    /** How the process ended: its exit code, the signal that ended it, or why it never started. */
    end: { exitCode: number } | { signal: string } | { startError: string };
    stdout: string;
    stderr: string;
    /** Both streams interleaved as they were written. */
    combined: string;
}

export interface CommandOutputs {
    stdout: string;
    stderr: string;
}

/** The outputs of a resource whose command has not run. */
export const NO_OUTPUT: CommandOutputs = { stdout: "", stderr: "" };

/** The outputs of a successful run; throws the step's error for any other. */
export function commandOutputs(run: CommandRun): CommandOutputs {
    const failure = failureOf(run.end);
    if (failure !== undefined) throw new Error(`${failure}: running ${goQuote(run.command)}:\n${run.combined}`);
    return { stdout: trimNewline(run.stdout), stderr: trimNewline(run.stderr) };
}

/** Go's text for a process that did not succeed (os.ProcessState), or undefined for exit 0. */
function failureOf(end: CommandRun["end"]): string | undefined {
    if ("startError" in end) return end.startError;
    if ("signal" in end) return `signal: ${SIGNAL_NAMES[end.signal] ?? end.signal}`;
    return end.exitCode === 0 ? undefined : `exit status ${end.exitCode}`;
}

/** Go's names of the signals that end a command in practice. */
const SIGNAL_NAMES: Readonly<Record<string, string>> = {
    SIGKILL: "killed",
    SIGTERM: "terminated",
    SIGINT: "interrupt",
    SIGHUP: "hangup",
    SIGPIPE: "broken pipe",
    SIGABRT: "aborted",
    SIGSEGV: "segmentation fault",
};

function trimNewline(text: string): string {
    return text.endsWith("\n") ? text.slice(0, -1) : text;
}

const GO_ESCAPES: Readonly<Record<string, string>> = {
    "\x07": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
};

/** Go's %q of a string: double-quoted, with Go's escapes for quotes, backslashes and control characters. */
export function goQuote(text: string): string {
    const escape = (c: string) => {
        const code = c.charCodeAt(0);
        return GO_ESCAPES[c] ?? (code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}` : c);
    };
    return `"${Array.from(text, escape).join("")}"`;
}
