/**
 * Preloaded into the program's Node process (Pulumi.yaml `runtime.options.nodeargs`, with the
 * runtime's own TypeScript support off): loads the program's `.ts` files as the language host's
 * ts-node would (same transpiler, SWC, and the same tsconfig.pulumi.json), but keeps each file's
 * JavaScript on disk, keyed by its source, so a preview or update of unchanged sources loads neither
 * ts-node nor SWC and transpiles nothing (TypeScript itself the SDK loads anyway, for its closure
 * serialiser). Loading index.ts went from 0.87 to 0.71 s on Node 20.20 (docs/benchmarks.md, "Cold
 * load"). The output is ts-node's own, so stack traces, the closure serialiser
 * (HealthGate, guard) and error messages see the same JavaScript as before.
 *
 * On Node >= 22.1 it also turns on Node's compile cache (V8 code cache on disk, checked against each
 * module's source by Node): the SDK, the providers' packages, TypeScript (which the SDK loads for its
 * closure serialiser) and the program are then not compiled again on every run.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const TSCONFIG = path.join(ROOT, "tsconfig.pulumi.json");
/** Where build tools keep their caches (babel-loader, ESLint...): removed with node_modules. */
const CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "claude-enhancer-typescript");

// Node checks each entry against the module's source and its own version; older Nodes have no such cache.
require("module").enableCompileCache?.(path.join(ROOT, "node_modules", ".cache", "claude-enhancer-v8"));

const versionOf = (pkg) => require(`${pkg}/package.json`).version;
/** What else decides the emitted JavaScript: the tools' versions and the tsconfig files. */
const TRANSFORM = ["ts-node", "@swc/core", "typescript"]
    .map(versionOf)
    .concat([TSCONFIG, path.join(ROOT, "tsconfig.json")].map((file) => fs.readFileSync(file, "utf8")))
    .join("\0");

/** ts-node's transpiler, created on the first file not in the cache (it loads TypeScript and SWC). */
let service;
function transpile(source, filename) {
    service ??= require("ts-node").create({ project: TSCONFIG, transpileOnly: true, swc: true, compilerOptions: { sourceMap: true } });
    return service.compile(source, filename);
}

/** A cache entry appears whole or not at all: concurrent runs (a preview beside an update) may write the same one. */
function keep(file, code) {
    const partial = `${file}.${process.pid}.tmp`;
    try {
        fs.mkdirSync(CACHE_DIR, { recursive: true });
        fs.writeFileSync(partial, code);
        fs.renameSync(partial, file);
    } catch {
        // A read-only node_modules only costs the next run its transpile.
        fs.rmSync(partial, { force: true });
    }
}

/** The JavaScript of each loaded `.ts` file (with its inline source map), for stack traces. */
const loaded = new Map();

require.extensions[".ts"] = function loadTypeScript(module, filename) {
    const source = fs.readFileSync(filename, "utf8");
    const key = crypto.createHash("sha256").update(TRANSFORM).update("\0").update(filename).update("\0").update(source).digest("hex");
    const file = path.join(CACHE_DIR, `${key}.js`);
    let code;
    try {
        code = fs.readFileSync(file, "utf8");
    } catch {
        code = transpile(source, filename);
        keep(file, code);
    }
    loaded.set(filename, code);
    module._compile(code, filename);
};

// Stack traces show the TypeScript lines: the mapper reads each file's inline source map from the
// JavaScript that ran, where ts-node would have handed it its own output.
require("@cspotcode/source-map-support").install({
    environment: "node",
    handleUncaughtExceptions: false,
    retrieveFile: (file) => loaded.get(file),
});
