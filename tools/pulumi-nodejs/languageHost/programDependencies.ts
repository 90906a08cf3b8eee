/**
 * What `pulumi about` shows of a Node.js program: its package manager and the versions of its
 * installed dependencies, read from the installed manifests (what `npm ls` reports at depth 0,
 * every installed package when transitive).
 */
import * as fs from "fs";
import * as path from "path";

export type PackageManager = "npm" | "yarn" | "pnpm" | "bun";

const LOCKFILES: [string, PackageManager][] = [
    ["package-lock.json", "npm"],
    ["yarn.lock", "yarn"],
    ["pnpm-lock.yaml", "pnpm"],
    ["bun.lock", "bun"],
    ["bun.lockb", "bun"],
];

/** The `packagemanager` runtime option, or, for `auto`, the one whose lockfile the program has (npm without one). */
export function packageManagerOf(programDirectory: string, options: Record<string, unknown>): PackageManager {
    const chosen = options.packagemanager ?? "auto";
    if (chosen === "npm" || chosen === "yarn" || chosen === "pnpm" || chosen === "bun") return chosen;
    if (chosen !== "auto")
        throw new Error(`packagemanager option must be one of auto, npm, yarn, pnpm or bun, got ${JSON.stringify(chosen)}`);
    return LOCKFILES.find(([file]) => fs.existsSync(path.join(programDirectory, file)))?.[1] ?? "npm";
}

export interface Dependency {
    name: string;
    version: string;
}

function readManifest(dir: string): {
    name?: string;
    version?: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
} {
    return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
}

/** The program's declared dependencies at their installed versions, or every installed package. */
export function installedDependencies(programDirectory: string, transitive: boolean): Dependency[] {
    const modules = path.join(programDirectory, "node_modules");
    if (!transitive) {
        const manifest = readManifest(programDirectory);
        return Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })
            .sort()
            .flatMap((name) => {
                try {
                    return [{ name, version: readManifest(path.join(modules, name)).version ?? "" }];
                } catch {
                    return [];
                }
            });
    }
    const found: Dependency[] = [];
    const walk = (dir: string): void => {
        if (!fs.existsSync(dir)) return;
        for (const entry of fs.readdirSync(dir).sort()) {
            if (entry.startsWith(".")) continue;
            const child = path.join(dir, entry);
            if (entry.startsWith("@")) {
                for (const scoped of fs.readdirSync(child).sort()) visit(path.join(child, scoped));
            } else visit(child);
        }
    };
    const visit = (dir: string): void => {
        try {
            const { name, version } = readManifest(dir);
            if (name && version) found.push({ name, version });
        } catch {
            return;
        }
        walk(path.join(dir, "node_modules"));
    };
    walk(modules);
    return found;
}
