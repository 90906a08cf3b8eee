import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readStackSettings, STACKS } from "../config/stackFile";
import { runLanguageHost } from "./harness/languageHost";
import { STACK_SECRETS, runProgram } from "./harness/program";

/**
 * The program as `pulumi preview` runs it: Pulumi's Node.js language host (`@pulumi/pulumi/cmd/run`)
 * loads index.ts through ts-node with the tsconfig Pulumi.yaml names, from a cold process, and
 * registers over gRPC with an engine served by the test.
 */
describe("the program under the real language host", function () {
    this.timeout(180_000);

    for (const stack of STACKS) {
        it(`${stack}: loads with tsconfig.pulumi.json and registers what the mock runtime registers`, async () => {
            const host = await runLanguageHost(stack, { ...readStackSettings(stack), ...STACK_SECRETS[stack] });
            assert.strictEqual(host.exitCode, 0, `language host failed:\n${host.stderr}\n${host.logs.map((l) => l.message).join("\n")}`);
            const inProcess = await runProgram(stack);
            const names = (rs: { type: string; name: string }[]) => rs.map((r) => `${r.type}::${r.name}`).sort();
            assert.deepStrictEqual(names(host.mocks.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")), names(inProcess.resources));
            assert.ok(
                host.mocks.resources.some((r) => r.type === "pulumi:pulumi:Stack"),
                "no root stack resource",
            );
        });
    }

    it("fails the preview at once with the key path, value and expectation on bad config", async () => {
        const settings = readStackSettings("staging");
        const host = await runLanguageHost("staging", { ...settings, network: { ...(settings.network as object), natGateways: 4 } });
        assert.notStrictEqual(host.exitCode, 0);
        const logged = host.logs.map((l) => l.message).join("\n") + host.stderr;
        assert.match(logged, /claude-enhancer:network\.natGateways: got 4; expected natGateways <= azCount/);
        assert.strictEqual(host.mocks.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").length, 0);
    });

    it("fails the preview naming every chart a charts.mirror directory lacks, before any Kubernetes object", async () => {
        const mirror = fs.mkdtempSync(path.join(os.tmpdir(), "empty-mirror-"));
        try {
            const host = await runLanguageHost("local", { ...readStackSettings("local"), charts: { mirror } });
            assert.notStrictEqual(host.exitCode, 0);
            const logged = host.logs.map((l) => l.message).join("\n") + host.stderr;
            const missing = [
                ...logged.matchAll(
                    /claude-enhancer:charts\.mirror: got "[^"]+"; expected a mirror holding chart ([a-z-]+) version ([\d.]+) \(no file /g,
                ),
            ];
            assert.deepStrictEqual([...new Set(missing.map((m) => `${m[1]} ${m[2]}`))].sort(), [
                "fluent-bit 0.58.1",
                "ingress-nginx 4.12.1",
                "jaeger 4.11.1",
                "kube-prometheus-stack 88.5.3",
                "metrics-server 3.12.2",
                "opensearch 3.6.0",
                "opensearch-dashboards 3.6.0",
            ]);
            assert.deepStrictEqual(
                host.mocks.resources.filter((r) => r.type.startsWith("kubernetes:")),
                [],
            );
        } finally {
            fs.rmSync(mirror, { recursive: true, force: true });
        }
    });

    it("fails production's preview at once, naming each missing secret of its critical alert receivers", async () => {
        const host = await runLanguageHost("production", readStackSettings("production"));
        assert.notStrictEqual(host.exitCode, 0);
        const logged = host.logs.map((l) => l.message).join("\n") + host.stderr;
        assert.match(logged, /claude-enhancer:alertmanagerPagerdutyRoutingKey: got nothing \(the secret is not set\); expected/);
        assert.match(logged, /claude-enhancer:alertmanagerSlackWebhookUrl: got nothing \(the secret is not set\); expected/);
        assert.strictEqual(host.mocks.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").length, 0);
    });
});
