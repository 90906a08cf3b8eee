import * as assert from "assert";
import * as path from "path";
import { chartArchive } from "../../components/kubernetes/chartSource";
import { KubeObject } from "../harness/apiserver";
import { PACK_NAME } from "../../policies/pack";
import { RunResult, changes } from "./engine";
import { Project, START_TIMEOUT_MS, World, e2eWorld, transcript } from "./world";

/**
 * `pulumi preview` / `up` / `up` again / `destroy` of the local stack under the real engine on the
 * simulated cluster: plugins, step generation, diffs, the Kubernetes provider's await logic, state,
 * and the policy pack as the CLI runs it.
 */

interface Workload extends KubeObject {
    spec: { replicas?: number };
    status?: { readyReplicas?: number; availableReplicas?: number; succeeded?: number; phase?: string };
}

/** Objects of `kind` the program created (all namespaces). */
async function listAll(world: World, apiPath: string): Promise<Workload[]> {
    return (await world.cluster.client.request<{ items: Workload[] }>("GET", apiPath)).body.items.filter(
        (o) => !o.metadata.namespace?.startsWith("kube-"),
    );
}

describe("e2e: the local stack under the real engine (preview with policies, up, no-op up, destroy)", function () {
    let world: World;
    let project: Project;
    let destroyed = false;
    const timings: Record<string, number> = {};

    before(async function () {
        this.timeout(START_TIMEOUT_MS);
        world = await e2eWorld();
        project = await world.project();
    });

    after(async function () {
        this.timeout(300_000);
        if (project && !destroyed) await project.pulumi(["destroy", "--stack", "local", "--yes", "--skip-preview"]);
        if (Object.keys(timings).length > 0) process.stdout.write(`      e2e timings (ms): ${JSON.stringify(timings)}\n`);
    });

    let preview: RunResult | undefined;

    it("`pulumi preview` with the policy pack and the stack's pack config passes", async function () {
        this.timeout(300_000);
        const r = await project.pulumi([
            "preview",
            "--stack",
            "local",
            "--policy-pack",
            "policies",
            "--policy-pack-config",
            "policies/config/local.json",
        ]);
        timings.preview = r.ms;
        preview = r;
        assert.strictEqual(r.code, 0, transcript(r));
        const output = r.stdout + r.stderr;
        assert.match(output, /Policies:/, "the CLI ran the policy pack");
        assert.match(output, new RegExp(`${PACK_NAME}@v`), "the policy pack reported");
        assert.doesNotMatch(output, /mandatory/i, "no mandatory policy violation");
    });

    it("the preview warns about no undefined stack output", function () {
        assert.strictEqual(preview?.code, 0, "the preview succeeded");
        const undefinedOutputs = new Set(
            [...(preview.stdout + preview.stderr).matchAll(/Undefined value \((\w+)\) will not show as a stack output/g)].map((m) => m[1]),
        );
        assert.deepStrictEqual([...undefinedOutputs], []);
    });

    it("`pulumi up` creates everything and every workload is Ready", async function () {
        this.timeout(600_000);
        const r = await project.pulumi(["up", "--stack", "local", "--yes", "--skip-preview"]);
        timings.up = r.ms;
        assert.strictEqual(r.code, 0, transcript(r));

        const deployments = await listAll(world, "/apis/apps/v1/deployments");
        const statefulSets = await listAll(world, "/apis/apps/v1/statefulsets");
        const jobs = await listAll(world, "/apis/batch/v1/jobs");
        const claims = await listAll(world, "/api/v1/persistentvolumeclaims");
        assert.ok(deployments.length > 0 && statefulSets.length > 0, "the stack has Deployments and StatefulSets");
        for (const w of [...deployments, ...statefulSets]) {
            assert.strictEqual(
                w.status?.readyReplicas ?? 0,
                w.spec.replicas ?? 1,
                `${w.kind} ${w.metadata.namespace}/${w.metadata.name} ready`,
            );
        }
        for (const j of jobs) assert.ok((j.status?.succeeded ?? 0) >= 1, `Job ${j.metadata.namespace}/${j.metadata.name} succeeded`);
        for (const c of claims) assert.strictEqual(c.status?.phase, "Bound", `PVC ${c.metadata.namespace}/${c.metadata.name} bound`);
        // Every namespace: metrics-server's release lives in kube-system.
        const secrets = (await world.cluster.client.request<{ items: KubeObject[] }>("GET", "/api/v1/secrets")).body.items;
        const releases = secrets.filter((s) => s.metadata.name?.startsWith("sh.helm.release.v1."));
        assert.strictEqual(releases.length, world.charts.length, "one Helm release per chart");
        // Every release installed its chart from the mirror (charts.mirror), none from a public repository.
        const exported = await project.pulumi(["stack", "export", "--stack", "local"]);
        const state = (JSON.parse(exported.stdout) as { deployment: { resources?: { type: string; inputs?: Record<string, any> }[] } })
            .deployment;
        const installed = (state.resources ?? [])
            .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
            .map((r) => ({ chart: r.inputs?.chart, repo: r.inputs?.repositoryOpts?.repo }));
        assert.deepStrictEqual(
            installed.sort((a, b) => String(a.chart).localeCompare(String(b.chart))),
            world.charts
                .map((c) => ({ chart: path.join(world.chartMirror, chartArchive(c)), repo: undefined }))
                .sort((a, b) => a.chart.localeCompare(b.chart)),
        );
    });

    it("a second `pulumi up` changes nothing", async function () {
        this.timeout(300_000);
        const r = await project.pulumi(["preview", "--stack", "local", "--json"]);
        assert.strictEqual(r.code, 0, transcript(r));
        assert.deepStrictEqual(changes(JSON.parse(r.stdout).changeSummary ?? {}), {});
        const up = await project.pulumi(["up", "--stack", "local", "--yes", "--expect-no-changes"]);
        timings.noOpUp = up.ms;
        assert.strictEqual(up.code, 0, transcript(up));
    });

    it("`pulumi destroy` leaves no namespace and an empty stack", async function () {
        this.timeout(600_000);
        const r = await project.pulumi(["destroy", "--stack", "local", "--yes", "--skip-preview"]);
        timings.destroy = r.ms;
        assert.strictEqual(r.code, 0, transcript(r));
        destroyed = true;
        assert.deepStrictEqual(await world.cluster.namespaces(), []);
        const exported = await project.pulumi(["stack", "export", "--stack", "local"]);
        const resources = (JSON.parse(exported.stdout) as { deployment: { resources?: unknown[] } }).deployment.resources ?? [];
        assert.deepStrictEqual(resources, []);
    });
});
