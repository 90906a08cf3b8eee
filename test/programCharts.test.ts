import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, parsePlatformConfig } from "../config";
import { readStackSettings, STACKS, StackName } from "../config/stackFile";
import { chartArchive, ChartRef } from "../components/kubernetes/chartSource";
import { helmCharts } from "../components/kubernetes/helmCharts";
import { runProgram } from "./harness/program";
import { RecordedResource } from "./harness/recorder";

const RELEASE = "kubernetes:helm.sh/v3:Release";

/** A stack's settings, on its own router or the other one (Istio's four releases or ingress-nginx's one). */
function settingsOf(stack: StackName, otherRouter: boolean): Record<string, any> {
    const settings = readStackSettings(stack) as Record<string, any>;
    if (!otherRouter) return settings;
    const router = (settings.mesh?.router ?? "istio") === "istio" ? "nginx" : "istio";
    return { ...settings, mesh: { ...settings.mesh, router } };
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
const releasesOf = (resources: RecordedResource[]) => resources.filter((r) => r.type === RELEASE).map((r) => r.inputs);

/**
 * The whole program under the mock runtime: helmCharts (what a mirror must hold, the docs' list) is
 * exactly what the program installs, and with `charts.mirror` every release takes its chart from it.
 */
describe("the whole program's Helm charts (charts.mirror)", function () {
    this.timeout(300_000);

    for (const stack of STACKS) {
        for (const otherRouter of [false, true]) {
            const settings = settingsOf(stack, otherRouter);
            it(`${stack} with router ${settings.mesh?.router ?? "istio"}: registers exactly the charts helmCharts lists, from their public repositories`, async () => {
                const run = await runProgram(stack, { overrides: settings });
                const registered = releasesOf(run.resources).map((r) => ({
                    name: r.chart,
                    version: r.version,
                    repo: r.repositoryOpts?.repo,
                }));
                assert.deepStrictEqual(registered.sort(byName), helmCharts(parsePlatformConfig(settings)).sort(byName));
            });
        }
    }

    describe("with a directory mirror", () => {
        let mirror: string;
        /** Every chart of the two stacks that together create every Helm release of the program (staging: all but ingress-nginx). */
        const needed: ChartRef[] = [
            ...helmCharts(parsePlatformConfig(settingsOf("staging", false))),
            ...helmCharts(parsePlatformConfig(settingsOf("local", false))),
        ];

        before(() => {
            mirror = fs.mkdtempSync(path.join(os.tmpdir(), "chart-mirror-"));
            // The program checks that each archive exists; what is inside is the provider's concern.
            for (const chart of needed) fs.writeFileSync(path.join(mirror, chartArchive(chart)), "");
        });
        after(() => fs.rmSync(mirror, { recursive: true, force: true }));

        const expected: [StackName, number, string[]][] = [
            [
                "staging",
                13,
                [
                    "base",
                    "cert-manager",
                    "cluster-autoscaler",
                    "cni",
                    "fluent-bit",
                    "gateway",
                    "istiod",
                    "jaeger",
                    "kube-prometheus-stack",
                    "metrics-server",
                    "opensearch",
                    "opensearch-dashboards",
                    "prometheus-cloudwatch-exporter",
                ],
            ],
            [
                "local",
                8,
                [
                    "cert-manager",
                    "fluent-bit",
                    "ingress-nginx",
                    "jaeger",
                    "kube-prometheus-stack",
                    "metrics-server",
                    "opensearch",
                    "opensearch-dashboards",
                ],
            ],
        ];
        for (const [stack, count, charts] of expected) {
            it(`${stack}: all ${count} releases take their chart, same name and version, from the mirror; none from a public repository`, async () => {
                const publicRun = await runProgram(stack);
                const mirrored = releasesOf((await runProgram(stack, { overrides: { charts: { mirror } } })).resources);
                assert.strictEqual(mirrored.length, count);
                assert.deepStrictEqual(mirrored.map((r) => path.basename(r.chart, ".tgz").replace(/-[^-]+$/, "")).sort(), charts);
                // The same releases as without the mirror, each with the archive of its own chart and version.
                const byRelease = new Map(releasesOf(publicRun.resources).map((r) => [r.name, r]));
                for (const release of mirrored) {
                    const original = byRelease.get(release.name)!;
                    assert.strictEqual(release.chart, path.join(mirror, `${original.chart}-${original.version}.tgz`), release.name);
                    assert.strictEqual(release.version, original.version, release.name);
                    assert.strictEqual(release.repositoryOpts, undefined, release.name);
                }
            });
        }

        it("a chart missing from the mirror fails the run naming the chart, its version and the mirror, and how to add it", async () => {
            fs.rmSync(path.join(mirror, "jaeger-4.11.1.tgz"));
            const failure = await runProgram("local", { overrides: { charts: { mirror } } }).then(
                () => assert.fail("the program ran without jaeger-4.11.1.tgz"),
                (err: unknown) => err,
            );
            assert.ok(failure instanceof ConfigError, `a ConfigError, got ${failure}`);
            assert.deepStrictEqual(failure.problems, [
                `claude-enhancer:charts.mirror: got ${JSON.stringify(mirror)}; expected a mirror holding chart jaeger version 4.11.1 ` +
                    `(no file ${mirror}/jaeger-4.11.1.tgz; add it with: ` +
                    `helm pull jaeger --repo https://jaegertracing.github.io/helm-charts --version 4.11.1 --destination ${mirror})`,
            ]);
        });
    });
});
