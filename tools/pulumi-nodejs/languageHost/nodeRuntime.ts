/**
 * Finding what the host starts: the `node` executable on PATH (the CLI's PATH, so a Node chosen by
 * the user goes first) and @pulumi/pulumi's runner scripts as the program's own `node_modules`
 * resolves them, so a program runs on the SDK it installed. Also the children the host started, so
 * a Cancel or an interrupt reaches each of them.
 */
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** The first executable `name` on PATH, or undefined. */
export function lookPath(name: string, searchPath = process.env.PATH ?? ""): string | undefined {
    for (const dir of searchPath.split(path.delimiter)) {
        if (dir === "") continue;
        const candidate = path.join(dir, name);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            if (fs.statSync(candidate).isFile()) return candidate;
        } catch {
            // not here
        }
    }
    return undefined;
}

/**
 * Resolves a module as `require` would from the program's folder. The message on a missing SDK is
 * the upstream host's, naming the command that installs it.
 */
export function locateModule(module: string, programDirectory: string, isPlugin: boolean): string {
    try {
        return require.resolve(module, { paths: [programDirectory] });
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw err;
        const install = isPlugin ? `npm install in ${programDirectory}` : "pulumi install";
        throw new Error(`It looks like the Pulumi SDK has not been installed. Have you run ${install}?`, { cause: err });
    }
}

/** How long a child has after SIGINT before it is killed (the upstream host's wait). */
export const INTERRUPT_GRACE_MS = 5000;

const children = new Set<ChildProcess>();

/** Tracks a child until it exits. */
export function track(child: ChildProcess): ChildProcess {
    children.add(child);
    child.once("exit", () => children.delete(child));
    return child;
}

/** Sends SIGINT, then SIGKILL to whichever has not exited after the grace period. */
export function interrupt(child: ChildProcess): void {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), INTERRUPT_GRACE_MS);
    timer.unref();
    child.once("exit", () => clearTimeout(timer));
}

/** Interrupts every child still running; resolves when all have exited. */
export function interruptAll(): Promise<void> {
    const running = [...children];
    running.forEach(interrupt);
    return Promise.all(
        running.map((child) => new Promise<void>((resolve) => (children.has(child) ? child.once("exit", () => resolve()) : resolve()))),
    ).then(() => undefined);
}
