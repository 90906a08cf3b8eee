import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../config/stackFile";
import { programNodeArgs } from "../harness/languageHost";

/**
 * scripts/load-typescript.js, in Node processes started with Pulumi.yaml's nodeargs as the language
 * host starts the program: the first load of a file transpiles it with ts-node (SWC), a later load of
 * the same source takes the cached JavaScript without loading ts-node or SWC, an edited source is
 * transpiled again, and stack traces show TypeScript lines either way.
 */

/** Type-only lines above the throw, so its TypeScript line (8) and its JavaScript line differ. */
const MODULE = (value: number) => `import * as fs from "fs";
interface Settings {
    readonly value: number;
}
const settings: Settings = { value: ${value} };
export const value: number = settings.value;
export function fail(): never {
    throw new Error(String(fs.existsSync("/")));
}
`;

/** What a child process saw loading the module: its value, the loaders it needed, the JavaScript that ran, a stack trace. */
interface Load {
    value: number;
    tsNode: boolean;
    swc: boolean;
    code: string;
    trace: string;
}

const PROBE = `const Module = require("module");
const compiled = new Map();
const compile = Module.prototype._compile;
Module.prototype._compile = function (code, filename) {
    compiled.set(filename, code);
    return compile.call(this, code, filename);
};
const file = process.argv[1];
const m = require(file);
let trace = "";
try { m.fail(); } catch (err) { trace = err.stack; }
const loaded = (pkg) => Object.keys(require.cache).some((k) => k.includes(\`/node_modules/\${pkg}/\`) && k.endsWith(".js"));
console.log(JSON.stringify({ value: m.value, tsNode: loaded("ts-node"), swc: loaded("@swc/core"), code: compiled.get(file), trace }));
`;

describe("scripts/load-typescript.js (the program's TypeScript, transpiled once per source)", function () {
    this.timeout(60_000);
    let dir: string;
    let file: string;

    // Inside the project, as the program's files are; a new file name each run, so the first load is a miss.
    before(() => {
        dir = fs.mkdtempSync(path.join(PROJECT_ROOT, ".tmp-load-typescript-"));
        file = path.join(dir, "settings.ts");
        fs.writeFileSync(file, MODULE(1));
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    function load(): Load {
        const out = execFileSync(process.execPath, [...programNodeArgs(), "-e", PROBE, file], { cwd: PROJECT_ROOT, encoding: "utf8" });
        return JSON.parse(out) as Load;
    }

    it("transpiles a new source with ts-node and SWC, as Pulumi's runtime would: plain `require` for the closure serialiser", () => {
        const first = load();
        assert.strictEqual(first.value, 1);
        assert.deepStrictEqual([first.tsNode, first.swc], [true, true]);
        assert.match(first.code, /^const _fs = require\("fs"\);$/m);
        assert.match(first.code, /\/\/# sourceMappingURL=data:application\/json;charset=utf-8;base64,/);
    });

    it("loads an unchanged source from the cache: the same JavaScript, no ts-node, no SWC", () => {
        const first = load();
        const second = load();
        assert.strictEqual(second.value, 1);
        assert.deepStrictEqual([second.tsNode, second.swc], [false, false]);
        assert.strictEqual(second.code, first.code);
    });

    it("maps stack traces to the TypeScript lines when the JavaScript came from the cache", () => {
        const cached = load();
        assert.strictEqual(cached.tsNode, false);
        assert.match(cached.trace, new RegExp(`^Error: true\\n    at Object.fail \\(${escape(file)}:8:11\\)`));
    });

    it("transpiles an edited source again, never running the cached JavaScript of the old one", () => {
        fs.writeFileSync(file, MODULE(2));
        const edited = load();
        assert.strictEqual(edited.value, 2);
        assert.strictEqual(edited.tsNode, true);
    });
});

function escape(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
