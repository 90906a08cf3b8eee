/**
 * Preloaded into the program's Node process (Pulumi.yaml `runtime.options.nodeargs`), before the
 * SDK and ts-node install their source-map support.
 *
 * Why: the Pulumi SDK ships source maps whose sources point one directory above the package
 * (`node_modules/@pulumi/pulumi/output.js.map` -> `../output.ts`), so every SDK frame of a stack
 * trace is rewritten to a file that does not exist, `node_modules/@pulumi/output.ts`. When a program
 * fails, the SDK prints the error with `util.inspect(err, { colors: true })`, and on Node 20.20 and
 * 22.23 that call never returns for such a frame (nodejs/node#64011, fixed in 24): `pulumi up`
 * hangs instead of failing. Frames of installed packages are therefore left as the JavaScript
 * files that ran; the program's own TypeScript frames are still mapped by ts-node.
 */
"use strict";
const path = require("path");

const DEPENDENCY = `${path.sep}node_modules${path.sep}`;
/** A source map that maps nothing: the frame keeps its real file, line and column. */
const NO_MAPPINGS = { version: 3, sources: [], names: [], mappings: "" };

// ts-node's source-map support (@cspotcode/source-map-support) is the one that formats stack traces
// in a TypeScript program; it shares its handlers process-wide and redirects the SDK's
// `source-map-support/register` to itself, so one handler here covers every frame.
require("@cspotcode/source-map-support").install({
    environment: "node",
    handleUncaughtExceptions: false,
    retrieveSourceMap: (source) => (source.includes(DEPENDENCY) ? { url: source, map: NO_MAPPINGS } : null),
});
