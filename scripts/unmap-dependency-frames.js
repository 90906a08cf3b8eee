/**
 * Preloaded into the program's Node process (Pulumi.yaml `runtime.options.nodeargs`), first: before
 * scripts/load-typescript.js and the SDK install their source-map support.
 *
 * Why: the Pulumi SDK ships source maps whose sources point one directory above the package
 * (`node_modules/@pulumi/pulumi/output.js.map` -> `../output.ts`), so every SDK frame of a stack
 * trace is rewritten to a file that does not exist, `node_modules/@pulumi/output.ts`. When a program
 * fails, the SDK prints the error with `util.inspect(err, { colors: true })`, and on Node 20.20 and
 * 22.23 that call never returns for such a frame (nodejs/node#64011, fixed in 24): `pulumi up`
 * hangs instead of failing. Frames of installed packages (and of Node itself) are therefore left as
 * the JavaScript files that ran; the program's own TypeScript frames are still mapped (through the
 * source maps scripts/load-typescript.js keeps).
 *
 * They are also left to V8's own formatting, never handed to the mapper: the SDK formats a stack
 * trace for every resource and for most of its promises (it keeps them as strings), thousands per
 * preview, nearly all of their frames its own; mapping and copying each frame cost the local stack's
 * program ≈ 200 ms of CPU per preview (docs/benchmarks.md).
 */
"use strict";
const path = require("path");

const DEPENDENCY = `${path.sep}node_modules${path.sep}`;

// ts-node's source-map support (@cspotcode/source-map-support) is the one that formats stack traces
// in a TypeScript program; it shares its handlers process-wide and redirects the SDK's
// `source-map-support/register` to itself, so the formatter installed here is the one every stack
// trace goes through (later installs, scripts/load-typescript.js's or ts-node's, only add where to
// find source maps).
require("@cspotcode/source-map-support").install({ environment: "node", handleUncaughtExceptions: false });

const mapFrames = Error.prepareStackTrace;
/** A frame the mapper leaves as it is (it skips native frames) and that prints as V8 prints it. */
const asRan = (frame) => ({ isNative: () => true, toString: () => frame.toString() });

Error.prepareStackTrace = function prepareStackTrace(error, frames) {
    const mappable = frames.map((frame) => {
        const file = frame.getFileName();
        return file && (file.includes(DEPENDENCY) || file.startsWith("node:")) ? asRan(frame) : frame;
    });
    return mapFrames.call(this, error, mappable);
};
