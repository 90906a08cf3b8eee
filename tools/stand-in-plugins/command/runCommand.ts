/**
 * Runs one command for the test-engine stand-in of the command plugin (no registry here serves the
 * upstream one), as pulumi-command runs it: the interpreter with the command as its last argument,
 * in `dir` (else the plugin's working directory), stdin only when given, both streams captured, the
 * logged ones passed on line by line. A cancellation kills the process, as Go's CommandContext does.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import { StringDecoder } from "string_decoder";
import type { CommandRun } from "./commandOutcome";

export interface CommandInvocation {
    command: string;
    interpreter: string[];
    dir?: string;
    env: NodeJS.ProcessEnv;
    stdin?: string;
    logged: { stdout: boolean; stderr: boolean };
    /** Receives each line of a logged stream, without its line ending. */
    onLogLine: (line: string) => void;
    cancellation: AbortSignal;
}

export function runCommand(invocation: CommandInvocation): Promise<CommandRun> {
    const { command, interpreter, dir } = invocation;
    const output = { stdout: "", stderr: "", combined: "" };
    const missingDir = dir === undefined ? undefined : directoryProblem(dir);
    if (missingDir !== undefined) return Promise.resolve({ command, end: { startError: `chdir ${dir}: ${missingDir}` }, ...output });

    const child = spawn(interpreter[0], [...interpreter.slice(1), command], {
        cwd: dir,
        env: invocation.env,
        stdio: [invocation.stdin ? "pipe" : "ignore", "pipe", "pipe"],
        signal: invocation.cancellation,
        killSignal: "SIGKILL",
    });
    if (invocation.stdin && child.stdin) {
        // A command that exits without reading its input is no failure of the input.
        child.stdin.on("error", () => undefined);
        child.stdin.end(invocation.stdin);
    }
    // Both are pipes (stdio above), so never null.
    const pipes = { stdout: child.stdout!, stderr: child.stderr! };
    for (const stream of ["stdout", "stderr"] as const) {
        const pipe = pipes[stream];
        const decoder = new StringDecoder("utf8");
        const lines = invocation.logged[stream] ? new LineSplitter(invocation.onLogLine) : undefined;
        pipe.on("data", (chunk: Buffer) => {
            const text = decoder.write(chunk);
            output[stream] += text;
            output.combined += text;
            lines?.write(text);
        });
        pipe.on("end", () => {
            const rest = decoder.end();
            output[stream] += rest;
            output.combined += rest;
            lines?.end(rest);
        });
    }
    return new Promise((resolve) => {
        const finish = (end: CommandRun["end"]) => resolve({ command, end, ...output });
        child.once("error", (err) => {
            // A cancellation ends in "exit" (with SIGKILL); only a failed start ends here.
            if (child.pid === undefined) finish({ startError: err.message });
        });
        child.once("exit", (_exitCode, signal) => {
            // Killed by a cancellation: processes it started may still hold its output open, and are not waited for.
            if (signal !== null && invocation.cancellation.aborted) {
                Object.values(pipes).forEach((pipe) => pipe.destroy());
                finish({ signal });
            }
        });
        child.once("close", (exitCode, signal) => finish(signal !== null ? { signal } : { exitCode: exitCode ?? 0 }));
    });
}

/** Go's reason a directory cannot be entered, or undefined when it can. */
function directoryProblem(dir: string): string | undefined {
    try {
        return fs.statSync(dir).isDirectory() ? undefined : "not a directory";
    } catch {
        return "no such file or directory";
    }
}

/** Cuts a stream's text into lines as Go's bufio.Scanner does (a trailing "\r" dropped, a final unterminated line kept). */
class LineSplitter {
    private pending = "";

    constructor(private readonly onLine: (line: string) => void) {}

    write(text: string): void {
        const parts = (this.pending + text).split("\n");
        this.pending = parts.pop() ?? "";
        for (const line of parts) this.onLine(line.replace(/\r$/, ""));
    }

    end(text: string): void {
        this.write(text);
        if (this.pending !== "") this.onLine(this.pending.replace(/\r$/, ""));
        this.pending = "";
    }
}
