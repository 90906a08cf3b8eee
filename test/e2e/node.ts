import { execFileSync } from "child_process";
import * as path from "path";

/** The binary folder and version of a Node release from npm's `node` package (it ships the binaries), via npx. */
export function nodeRelease(major: string): { binDir: string; version: string } {
    if (!/^\d+$/.test(major)) throw new Error(`Node ${major}: expected a major version such as 24`);
    const out = execFileSync("npx", ["-y", `node@${major}`, "-p", "process.execPath + ' ' + process.version"], {
        encoding: "utf8",
        timeout: 300_000,
    }).trim();
    const [execPath, version] = out.split(" ");
    return { binDir: path.dirname(execPath), version };
}

/**
 * The Node.js the engine runs programs, policy packs and dynamic providers with: the machine's
 * `node`, or with `E2E_NODE=<major>` that release, so the tier can run on a Node other than mocha's.
 */
export function engineNode(): { binDir?: string; version: string } {
    return process.env.E2E_NODE ? nodeRelease(process.env.E2E_NODE) : { version: process.version };
}
