import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Engine, runCommand } from "./engine";
import { nodeRelease } from "./node";
import { START_TIMEOUT_MS, transcript } from "./world";

/**
 * Regression: on Node 20.20 and 22.23 an error thrown inside an `apply` made `pulumi preview`/`up`
 * hang: the SDK prints it with `util.inspect(err, { colors: true })`, which never returns for the
 * source-mapped SDK frame `node_modules/@pulumi/output.ts` (nodejs/node#64011). Pulumi.yaml preloads
 * scripts/unmap-dependency-frames.js so those frames keep their real paths. This runs the project's
 * own runtime settings (Pulumi.yaml, tsconfig, node_modules) with a program that fails that way.
 */
const FAILING_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
export const failing = pulumi.output("x").apply(() => {
    throw new Error("e2e: thrown inside an apply");
});
`;

/** Well above the ~5 s a failing preview takes; a hang never ends. */
const LIMIT_MS = 60_000;

describe("e2e: a program error under the real CLI ends with the error, on every supported Node", function () {
    let engine: Engine;
    let project: string;

    before(async function () {
        this.timeout(START_TIMEOUT_MS);
        engine = await Engine.create();
        project = engine.copyProject("failing-program");
        fs.writeFileSync(path.join(project, "index.ts"), FAILING_PROGRAM);
        const init = await engine.run(["stack", "init", "failing", "--non-interactive"], { cwd: project });
        assert.strictEqual(init.code, 0, transcript(init));
    });

    after(() => engine?.remove());

    const nodes: { label: string; binDir: () => string | undefined }[] = [
        { label: `the machine's Node (${process.version})`, binDir: () => undefined },
        { label: "Node 24 (npm's node package)", binDir: () => nodeRelease("24").binDir },
    ];

    for (const node of nodes) {
        it(`\`pulumi preview\` fails with the error within seconds on ${node.label}`, async function () {
            this.timeout(LIMIT_MS + 300_000);
            const binDir = node.binDir();
            const PATH = [binDir, engine.env.PATH].filter((p) => p).join(path.delimiter);
            const version = await runCommand("node", ["--version"], { env: { ...engine.env, PATH } });
            const r = await engine.run(["preview", "--stack", "failing", "--non-interactive"], {
                cwd: project,
                env: { PATH },
                timeoutMs: LIMIT_MS,
            });
            assert.ok(!r.timedOut, `the preview hung on Node ${version.stdout.trim()} (killed after ${LIMIT_MS} ms):\n${transcript(r)}`);
            assert.notStrictEqual(r.code, 0, transcript(r));
            assert.match(r.stdout + r.stderr, /e2e: thrown inside an apply/);
            process.stdout.write(`      Node ${version.stdout.trim()}: failed in ${r.ms} ms\n`);
        });
    }
});
