/**
 * The real Pulumi engine for the e2e tier, as `npm run engine:setup` assembles it in
 * .tools/pulumi-real: the kit's `pulumi` CLI with our Node.js language host and dynamic-provider
 * launcher beside it (so the CLI finds them, whatever else is on PATH), a file backend and a
 * PULUMI_HOME in a temporary folder with the kubernetes plugin and our random/command stand-ins
 * installed, and a copy of the project to run in — stack files get written (`encryptionsalt`, the
 * rollout driver's stage), which must not touch the repository's.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../config/stackFile";

/** Where `npm run engine:setup` builds the kit's binaries. */
export const ENGINE_DIR = path.join(PROJECT_ROOT, ".tools", "pulumi-real");
/** The pulumi-real kit (its cluster.sh starts the simulated cluster). */
export const KIT_DIR = process.env.PULUMI_REAL_KIT ?? path.resolve(PROJECT_ROOT, "..", "shared", "pulumi-real");

const SETUP_HINT = "run `npm run engine:setup` (and `npm run apiserver:setup`)";

/** Fails with what to run when a file the tier needs is missing. */
export function required(file: string, what: string): string {
    if (!fs.existsSync(file)) throw new Error(`${what} is missing (${file}): ${SETUP_HINT}`);
    return file;
}

/** The version of a resource plugin the program's npm SDK asks for. */
function sdkVersion(pkg: string): string {
    return (
        JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "node_modules", "@pulumi", pkg, "package.json"), "utf8")) as { version: string }
    ).version;
}

export const PLUGINS = ["random", "command", "kubernetes"] as const;

export interface RunResult {
    code: number | null;
    stdout: string;
    stderr: string;
    ms: number;
    timedOut: boolean;
}

export interface RunOptions {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
}

/** Top-level entries of the repository a `pulumi up` does not read; everything else is copied. */
const NOT_PROJECT = new Set([".git", ".tools", ".ci", ".github", "node_modules", "bin-out", "test", "docs", "tools", "deploy"]);

export class Engine {
    private constructor(
        /** Temporary root: home/, state/, project copies. */
        readonly root: string,
        readonly cli: string,
        readonly env: NodeJS.ProcessEnv,
    ) {}

    /** A fresh backend and PULUMI_HOME with the kubernetes plugin and our stand-ins installed. */
    /**
     * `within`: the folder to make the temporary root in (default: the system's). A Node.js plugin
     * installed into PULUMI_HOME finds its packages only in a `node_modules` above it.
     */
    static async create(options: { nodeBinDir?: string; within?: string } = {}): Promise<Engine> {
        const cli = required(path.join(ENGINE_DIR, "bin", "pulumi"), "the pulumi CLI");
        const binDir = path.dirname(cli);
        for (const host of ["pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"]) required(path.join(binDir, host), `our ${host}`);
        const root = fs.mkdtempSync(path.join(options.within ?? os.tmpdir(), "e2e-pulumi-"));
        fs.mkdirSync(path.join(root, "state"));
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            // The language host and the dynamic-provider launcher sit beside the CLI; a chosen Node goes first.
            PATH: [options.nodeBinDir, binDir, process.env.PATH].filter((p) => p).join(path.delimiter),
            PULUMI_HOME: path.join(root, "home"),
            PULUMI_BACKEND_URL: `file://${path.join(root, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "e2e",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
            NO_COLOR: "1",
        };
        const engine = new Engine(root, cli, env);
        for (const plugin of PLUGINS) {
            const file = required(path.join(ENGINE_DIR, "plugins", `pulumi-resource-${plugin}`), `the ${plugin} resource plugin`);
            const r = await engine.run(["plugin", "install", "resource", plugin, sdkVersion(plugin), "--file", file]);
            if (r.code !== 0) throw new Error(`pulumi plugin install ${plugin} failed:\n${r.stderr}`);
        }
        return engine;
    }

    /** Runs the CLI; never rejects (the caller asserts on the code and output). A timeout kills the process group. */
    run(args: string[], options: RunOptions = {}): Promise<RunResult> {
        return runCommand(this.cli, args, { ...options, env: { ...this.env, ...options.env } });
    }

    /** A copy of the project under the temporary root, with the repository's node_modules linked in. */
    copyProject(name: string): string {
        const dir = path.join(this.root, name);
        fs.mkdirSync(dir);
        for (const entry of fs.readdirSync(PROJECT_ROOT)) {
            if (NOT_PROJECT.has(entry) || entry.startsWith(".tmp-")) continue;
            fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(dir, entry), {
                recursive: true,
                filter: (src) => !src.includes(`${path.sep}node_modules`),
            });
        }
        fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"));
        return dir;
    }

    remove(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}

/** Process groups still running are killed if the test process exits (a mocha timeout) without waiting for them. */
const running = new Set<number>();
process.once("exit", () => {
    for (const pid of running) killGroup(pid);
});

/** Runs a command in its own process group; resolves with its exit code and output. */
export function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
        if (child.pid !== undefined) running.add(child.pid);
        let stdout = "";
        let stderr = "";
        let timedOut = false;
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        const timer =
            options.timeoutMs === undefined
                ? undefined
                : setTimeout(() => {
                      timedOut = true;
                      killGroup(child.pid!);
                  }, options.timeoutMs);
        child.on("close", (code) => {
            running.delete(child.pid!);
            if (timer) clearTimeout(timer);
            resolve({ code, stdout, stderr, ms: Date.now() - started, timedOut });
        });
        child.on("error", (err) => {
            if (timer) clearTimeout(timer);
            resolve({ code: null, stdout, stderr: `${stderr}${err.message}`, ms: Date.now() - started, timedOut });
        });
    });
}

/** SIGKILL to a process group (the CLI, its language host, plugins and the program). */
export function killGroup(pid: number): void {
    try {
        process.kill(-pid, "SIGKILL");
    } catch {
        // Already gone.
    }
}

/** The summary of `pulumi up --json` / `preview --json`: operation counts. */
export function changeSummary(jsonOutput: string): Record<string, number> {
    const parsed = JSON.parse(jsonOutput) as { changeSummary?: Record<string, number>; steps?: unknown[] };
    return parsed.changeSummary ?? {};
}

/** Operation counts other than "same": what an update would change. */
export function changes(summary: Record<string, number>): Record<string, number> {
    return Object.fromEntries(Object.entries(summary).filter(([op, n]) => op !== "same" && n > 0));
}
