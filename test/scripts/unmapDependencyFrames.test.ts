import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { programNodeArgs } from "../harness/languageHost";

/**
 * scripts/unmap-dependency-frames.js in a Node process started with Pulumi.yaml's nodeargs, which
 * loads a TypeScript file as the program's are loaded (scripts/load-typescript.js): the program's
 * frames are mapped to its TypeScript lines, frames of installed packages keep the JavaScript file
 * that ran (the SDK's maps point at files it does not ship; printing those hung Node 20.20 —
 * test/e2e/programError.e2e.test.ts), Node's own frames are as Node prints them.
 */

/**
 * A package whose only function calls back: one installed-package frame between two program frames.
 * Like the SDK, it ships a source map whose source it does not ship (each line to the same line of
 * `../src/dep.ts`).
 */
const DEPENDENCY = `"use strict";
exports.callBack = function callBack(fn) {
    return fn();
};
//# sourceMappingURL=index.js.map
`;
const DEPENDENCY_MAP = { version: 3, file: "index.js", sources: ["../src/dep.ts"], names: [], mappings: "AAAA;AACA;AACA;AACA" };

/** Type-only lines above the throw, so its TypeScript line (9) and its JavaScript line differ. */
const PROGRAM = `import { callBack } from "dep";
interface Shape {
    a: string;
    b: number;
}
type Alias = Shape;
function fail(_shape?: Alias): string {
    return callBack(() => {
        return new Error("from the program").stack!;
    });
}
console.log(fail());
`;

describe("scripts/unmap-dependency-frames.js (the program's stack-trace formatting)", function () {
    this.timeout(60_000);
    let dir: string;
    let stack: string[];

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "unmap-frames-"));
        fs.mkdirSync(path.join(dir, "node_modules", "dep"), { recursive: true });
        fs.writeFileSync(path.join(dir, "node_modules", "dep", "index.js"), DEPENDENCY);
        fs.writeFileSync(path.join(dir, "node_modules", "dep", "index.js.map"), JSON.stringify(DEPENDENCY_MAP));
        fs.writeFileSync(path.join(dir, "program.ts"), PROGRAM);
        const out = execFileSync(process.execPath, [...programNodeArgs(), "program.ts"], { cwd: dir, encoding: "utf8" });
        stack = out.trim().split("\n");
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("maps the program's frames to their TypeScript lines", () => {
        const program = path.join(dir, "program.ts");
        assert.strictEqual(stack[0], "Error: from the program");
        assert.match(stack[1], new RegExp(`^    at ${escape(program)}:9:16$`));
        assert.match(stack[3], new RegExp(`^    at fail \\(${escape(program)}:8:20\\)$`));
    });

    it("leaves an installed package's frame as the JavaScript that ran, not its map's missing source", () => {
        assert.strictEqual(stack[2], `    at callBack (${path.join(dir, "node_modules", "dep", "index.js")}:3:12)`);
    });

    it("leaves Node's own frames as Node prints them", () => {
        const internal = stack.filter((line) => line.includes("(node:"));
        assert.ok(internal.length > 0, stack.join("\n"));
        for (const line of internal) assert.match(line, /^ {4}at [\w.<>\s[\]]+ \(node:internal\/[\w/]+:\d+:\d+\)$/);
    });
});

function escape(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
