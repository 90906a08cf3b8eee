import * as assert from "assert";
import { parsePlatformConfig } from "../../config";
import { STACKS, readStackSettings } from "../../config/stackFile";
import { podSecurityLabels } from "../../components/kubernetes/namespaces";
import { APP_NAMESPACE, platformNamespaces } from "../../components/kubernetes/platformNamespaces";
import { ROUTERS } from "../../components/traffic/routers";
import { ApiServer } from "../harness/apiserver";
import { runProgram } from "../harness/program";
import { DeclaredStack, UpResult, builtinGroups } from "./cluster";
import { Manifest, Uncovered, kubernetesObjects, unfilledPlaceholders } from "./manifests";
import { POD_SECURITY_WARNING, ProbeResult, podTemplates, probePods } from "./podSecurity";
import { START_TIMEOUT_MS, conformanceServer } from "./server";
import { CHART_PODS } from "../../components/fences/chartPods";
import { NetworkPolicyObject, Pod, isolation } from "../harness/networkPolicies";
import { RecordedResource } from "../harness/recorder";

/** Every Kubernetes object each stack's program declares, server-side applied to a real API server. */
describe("conformance: every stack's Kubernetes objects on a real API server", function () {
    let server: ApiServer;
    let builtin: Set<string>;

    before(async function () {
        this.timeout(START_TIMEOUT_MS);
        server = await conformanceServer();
        builtin = await builtinGroups(server.client);
    });

    for (const stack of STACKS) {
        describe(`stack ${stack}`, function () {
            this.timeout(120_000);
            let declared: DeclaredStack;
            let manifests: Manifest[];
            let uncovered: Uncovered[];
            let up: UpResult;
            let probes: ProbeResult[];
            let releases: RecordedResource[];

            before(async function () {
                this.timeout(180_000);
                const run = await runProgram(stack);
                releases = run.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
                ({ manifests, uncovered } = kubernetesObjects(run.resources, builtin));
                declared = new DeclaredStack(server.client, builtin);
                up = await declared.up(manifests);
                probes = await probePods(declared, podTemplates(declared.objects()));
            });

            after(async function () {
                if (!declared) return;
                const destroyed = await declared.destroy();
                assert.deepStrictEqual(destroyed.rejections, [], "pulumi destroy would fail on these");
            });

            it("declares Kubernetes objects, each sent as the provider would (no unresolved value left)", () => {
                assert.ok(manifests.length > 0, "the program declares no Kubernetes object");
                assert.deepStrictEqual(unfilledPlaceholders(manifests), []);
            });

            it("has every object accepted by server-side apply: zero rejections", () => {
                assert.deepStrictEqual(up.rejections, []);
                assert.strictEqual(up.applied.length, manifests.length);
            });

            it("draws no warning from the API server (deprecated APIs, unknown fields, Pod Security)", () => {
                assert.deepStrictEqual(up.warnings, []);
            });

            it("lists the objects this tier cannot validate, each with its reason", () => {
                const lines = uncovered.map((u) => `${u.type} ${u.name}: ${u.reason}`);
                console.log(
                    `      ${stack}: ${manifests.length} objects applied; ${uncovered.length} not covered${lines.length ? `:\n        ${lines.join("\n        ")}` : ""}`,
                );
                // Besides objects the program reads (its chart owns them), only Helm's and third-party charts' resources.
                for (const u of uncovered.filter((x) => !x.reason.startsWith("read with Resource.get"))) {
                    assert.match(
                        u.type,
                        /^kubernetes:(helm\.sh\/|[a-z0-9.-]+\.[a-z]+\/)/,
                        `${u.type} ${u.name} is neither a Helm resource nor a third-party custom resource`,
                    );
                }
            });

            describe("NetworkPolicy", () => {
                it("fences every pod: each pod template and each chart's pods isolated for ingress and egress by the policies the API server stored", async () => {
                    const templates = podTemplates(declared.objects()).map((t) => ({
                        owner: t.owner,
                        pod: { namespace: t.namespace, labels: t.template.metadata?.labels ?? {} },
                        hostNetwork: t.template.spec.hostNetwork === true,
                    }));
                    const chartPods = releases.flatMap((r) =>
                        (CHART_PODS[r.inputs.chart]?.(r.inputs.name) ?? []).map((group) => ({
                            owner: `Release ${r.inputs.name}: ${group.component}`,
                            pod: { namespace: r.inputs.namespace as string, labels: group.labels },
                            hostNetwork: group.hostNetwork === true,
                        })),
                    );
                    const pods: { owner: string; pod: Pod; hostNetwork: boolean }[] = [...templates, ...chartPods];
                    assert.ok(chartPods.length > 5 && templates.length > 0, "the stack runs chart pods and pods of its own (sanity)");
                    const stored: NetworkPolicyObject[] = [];
                    for (const namespace of new Set(pods.map((p) => p.pod.namespace))) {
                        for (const np of await server.client.list("networking.k8s.io/v1", "NetworkPolicy", namespace)) {
                            stored.push({ namespace, name: np.metadata.name!, spec: np.spec as NetworkPolicyObject["spec"] });
                        }
                    }
                    const open = pods
                        .filter((p) => !p.hostNetwork)
                        .filter((p) => {
                            const i = isolation(stored, p.pod);
                            return !i.ingress || !i.egress;
                        })
                        .map((p) => p.owner);
                    assert.deepStrictEqual(open, []);
                });
            });

            describe("Pod Security", () => {
                it("labels every platform namespace with its level; only the documented exceptions are not restricted", async () => {
                    const config = parsePlatformConfig(readStackSettings(stack));
                    const expected = platformNamespaces(config, ROUTERS[config.mesh.router].namespaces);
                    assert.strictEqual(
                        expected.find((ns) => ns.name === APP_NAMESPACE)?.podSecurity,
                        "restricted",
                        "the application namespace must enforce restricted",
                    );
                    for (const spec of expected) {
                        const live = await server.client.get("v1", "Namespace", spec.name);
                        const labels = live.metadata.labels ?? {};
                        for (const [key, value] of Object.entries(podSecurityLabels(spec.podSecurity)))
                            assert.strictEqual(labels[key], value, `${spec.name} ${key}`);
                        const exception = live.metadata.annotations?.["claude-enhancer.io/pod-security-exception"];
                        if (spec.podSecurity === "restricted")
                            assert.strictEqual(exception, undefined, `${spec.name} is restricted but carries an exception`);
                        else
                            assert.ok(
                                exception && exception === spec.exception,
                                `${spec.name} (${spec.podSecurity}) says why on the cluster`,
                            );
                    }
                });

                it("admits a pod from every pod template, without a Pod Security warning or denial", () => {
                    assert.ok(probes.length > 0, "the program declares no pod template");
                    const refused = probes.filter((p) => p.refusal).map((p) => `${p.owner}: ${p.refusal}`);
                    assert.deepStrictEqual(refused, []);
                    const warned = probes.flatMap((p) =>
                        p.warnings.filter((w) => POD_SECURITY_WARNING.test(w)).map((w) => `${p.owner}: ${w}`),
                    );
                    assert.deepStrictEqual(warned, []);
                });

                it("runs every pod in a namespace the program declares, restricted unless it is a documented exception", async () => {
                    const config = parsePlatformConfig(readStackSettings(stack));
                    const levels = new Map(
                        platformNamespaces(config, ROUTERS[config.mesh.router].namespaces).map((ns) => [ns.name, ns.podSecurity]),
                    );
                    const declaredNamespaces = new Set(
                        declared
                            .objects()
                            .filter((o) => o.kind === "Namespace")
                            .map((o) => o.metadata.name),
                    );
                    const outside = probes
                        .filter((p) => !declaredNamespaces.has(p.namespace) || !levels.has(p.namespace))
                        .map((p) => `${p.owner} in ${p.namespace}`);
                    assert.deepStrictEqual(outside, []);
                    const exempt = probes
                        .filter((p) => levels.get(p.namespace) !== "restricted")
                        .map((p) => `${p.owner} (${levels.get(p.namespace)})`);
                    if (exempt.length > 0) console.log(`      ${stack}: pod templates in exception namespaces: ${exempt.join(", ")}`);
                });
            });
        });
    }
});
