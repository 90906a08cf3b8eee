import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { readStackSettings, STACKS, StackName } from "../../config/stackFile";
import type { StageName } from "../../rollout/stages";
import type { KubeObject } from "../harness/apiserver";
import { runProgram } from "../harness/program";
import type { RecordedResource } from "../harness/recorder";
import { groupOf, kubernetesObjects, typeTokenKind } from "../conformance/manifests";
import { withoutWarnings } from "../components/observability/fixtures";

/**
 * Every Kubernetes object the whole program registers under the mock runtime, for every stack (at
 * the stable stage and with a canary running), validated against its schema from the
 * kubernetes-models packages: the Kubernetes API's own types, Istio's CRDs and the Prometheus
 * operator's CRDs. A resource whose kind has no model fails the test unless UNMODELLED names its
 * type with the reason it cannot be validated here.
 */

// The kubernetes-models packages are ESM-only; a real dynamic import keeps ts-node from turning it into require().
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<Record<string, unknown>>;

/** Packages holding models, searched in this order: `<package>/<group>/<version>` (core: `<package>/v1`). */
const MODEL_PACKAGES = ["kubernetes-models", "@kubernetes-models/istio", "@kubernetes-models/prometheus-operator"] as const;

/** Resource types that have no schema model, and why they cannot be validated as objects. */
const UNMODELLED: Record<string, string> = {
    "kubernetes:helm.sh/v3:Release":
        "a Helm release is not a Kubernetes object: Helm renders the chart's objects at deploy time; its values are asserted by the component tests",
    "kubernetes:cert-manager.io/v1:ClusterIssuer":
        "cert-manager's CRDs come with its chart (no model package for them here); test/components/tls asserts the issuer's spec",
    "kubernetes:cert-manager.io/v1:Certificate":
        "cert-manager's CRDs come with its chart (no model package for them here); test/components/tls and test/components/observability/logging.test.ts assert the certificates' specs",
    "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute":
        "no kubernetes-models package for the Gateway API; test/conformance/gatewayApi.tools.test.ts validates every stage's HTTPRoute against the Gateway API's own CRD schema on a real API server",
};

interface Validatable {
    validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

const NODE_MODULES = path.resolve(__dirname, "../../node_modules");

/** The model class of apiVersion/kind, or undefined when no package has one. */
async function modelFor(apiVersion: string, kind: string): Promise<{ model: ModelClass; from: string } | undefined> {
    for (const pkg of MODEL_PACKAGES) {
        const module = `${pkg}/${apiVersion}`;
        if (!fs.existsSync(path.join(NODE_MODULES, pkg, apiVersion, "index.js"))) continue;
        const exported = (await importEsm(module))[kind];
        if (typeof exported === "function") return { model: exported as ModelClass, from: module };
    }
    return undefined;
}

export interface SchemaReport {
    /** `<type> <namespace/name>` of every object validated, with the module its model came from. */
    validated: { type: string; object: string; from: string }[];
    /** Validation failures: `<type> <object>: <message>`. */
    invalid: string[];
    /** Resources listed in UNMODELLED, with the reason. */
    unmodelled: { type: string; name: string; reason: string }[];
    /** Resources with no model and not listed: each fails the test. */
    unknown: string[];
}

const describeObject = (o: KubeObject) => `${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;

/** Validates every `kubernetes:*` resource of a program run against its model. */
export async function validateAll(resources: RecordedResource[]): Promise<SchemaReport> {
    const kube = resources.filter((r) => r.type.startsWith("kubernetes:"));
    // Every group counts as "known": here the schema comes from the model packages, not from an API server.
    const groups = new Set(kube.map((r) => groupOf(typeTokenKind(r.type).apiVersion)));
    const { manifests, uncovered } = kubernetesObjects(
        kube.filter((r) => !r.read),
        groups,
    );
    const report: SchemaReport = { validated: [], invalid: [], unmodelled: [], unknown: [] };
    // A read (Resource.get) registers nothing: the object belongs to whatever created it.
    for (const r of kube.filter((k) => k.read))
        report.unmodelled.push({ type: r.type, name: r.name, reason: "read with Resource.get, not registered" });
    for (const u of uncovered) {
        const reason = UNMODELLED[u.type];
        if (reason) report.unmodelled.push({ type: u.type, name: u.name, reason });
        else report.unknown.push(`${u.type} ${u.name}: not validated (${u.reason}) and not listed in UNMODELLED`);
    }
    for (const m of manifests) {
        const found = await modelFor(m.object.apiVersion, m.object.kind);
        if (!found) {
            const reason = UNMODELLED[m.type];
            if (reason) report.unmodelled.push({ type: m.type, name: describeObject(m.object), reason });
            else
                report.unknown.push(
                    `${m.type} ${describeObject(m.object)}: no model in ${MODEL_PACKAGES.join(", ")} and not listed in UNMODELLED`,
                );
            continue;
        }
        try {
            new found.model(m.object).validate();
            report.validated.push({ type: m.type, object: describeObject(m.object), from: found.from });
        } catch (error) {
            report.invalid.push(`${m.type} ${describeObject(m.object)}: ${(error as Error).message}`);
        }
    }
    return report;
}

function settingsFor(stack: StackName, stage: StageName): Record<string, unknown> {
    const rollout = readStackSettings(stack).rollout as { stableVersion: string };
    return { rollout: { ...rollout, stage, candidateVersion: `${rollout.stableVersion}-candidate` } };
}

const STAGES: StageName[] = ["stable", "canary"];

/** Kinds each stack must have validated (the issue's custom resources among them). */
const REQUIRED: Record<StackName, string[]> = {
    staging: [
        "PrometheusRule",
        "ServiceMonitor",
        "VirtualService",
        "DestinationRule",
        "PeerAuthentication",
        "AuthorizationPolicy",
        "Gateway",
        "Deployment",
        "Secret",
    ],
    production: [
        "PrometheusRule",
        "ServiceMonitor",
        "VirtualService",
        "DestinationRule",
        "PeerAuthentication",
        "AuthorizationPolicy",
        "Gateway",
        "Deployment",
        "StorageClass",
    ],
    local: ["PrometheusRule", "ServiceMonitor", "Ingress", "StatefulSet", "NetworkPolicy", "Deployment"],
};

describe("Kubernetes schema validation of every object the program registers", function () {
    this.timeout(180_000);

    for (const stack of STACKS) {
        for (const stage of STAGES) {
            describe(`${stack}, rollout stage ${stage}`, () => {
                let report: SchemaReport;
                before(async () => {
                    const run = await withoutWarnings(() => runProgram(stack, { overrides: settingsFor(stack, stage) }));
                    report = await validateAll(run.resources);
                });

                it("every object validates against its kubernetes-models schema", () => {
                    assert.deepStrictEqual(report.invalid, []);
                    assert.ok(report.validated.length >= 20, `only ${report.validated.length} objects validated`);
                });

                it("every kind has a model, except the listed unmodelled types (each with its reason)", () => {
                    assert.deepStrictEqual(report.unknown, []);
                    // AWS stacks read the router's load-balancer Service and issue the service's certificate (cert-manager);
                    // local's cert-manager issues the in-cluster OpenSearch's certificate from the cluster CA.
                    const expected =
                        stack === "local"
                            ? [
                                  "kubernetes:helm.sh/v3:Release",
                                  "kubernetes:cert-manager.io/v1:ClusterIssuer",
                                  "kubernetes:cert-manager.io/v1:Certificate",
                              ]
                            : [
                                  "kubernetes:core/v1:Service",
                                  "kubernetes:helm.sh/v3:Release",
                                  "kubernetes:cert-manager.io/v1:ClusterIssuer",
                                  "kubernetes:cert-manager.io/v1:Certificate",
                              ];
                    assert.deepStrictEqual([...new Set(report.unmodelled.map((u) => u.type))], expected);
                    for (const u of report.unmodelled) assert.ok(u.reason.length > 0);
                });

                it(`covers ${REQUIRED[stack].join(", ")}`, () => {
                    const kinds = new Set(report.validated.map((v) => typeTokenKind(v.type).kind));
                    for (const kind of REQUIRED[stack])
                        assert.ok(kinds.has(kind), `${kind} not validated (validated: ${[...kinds].sort().join(", ")})`);
                    const crs = report.validated.filter((v) => !v.from.startsWith("kubernetes-models/"));
                    assert.ok(crs.every((v) => /^@kubernetes-models\/(istio|prometheus-operator)\//.test(v.from)));
                });
            });
        }
    }

    describe("local with the Gateway API router, rollout stage canary", () => {
        let report: SchemaReport;
        before(async () => {
            const overrides = {
                ...settingsFor("local", "canary"),
                mesh: { router: "gateway-api", gatewayApi: { gatewayNamespace: "gateways", gatewayName: "public" } },
            };
            const run = await withoutWarnings(() => runProgram("local", { overrides }));
            report = await validateAll(run.resources);
        });

        it("every other object validates; the HTTPRoute is left to the conformance tier's real CRD schema", () => {
            assert.deepStrictEqual(report.invalid, []);
            assert.deepStrictEqual(report.unknown, []);
            assert.deepStrictEqual([...new Set(report.unmodelled.map((u) => u.type))].sort(), [
                "kubernetes:cert-manager.io/v1:Certificate",
                "kubernetes:cert-manager.io/v1:ClusterIssuer",
                "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
                "kubernetes:helm.sh/v3:Release",
            ]);
        });
    });

    describe("the validation itself", () => {
        let base: RecordedResource[];
        before(async () => {
            base = (await withoutWarnings(() => runProgram("staging"))).resources;
        });

        const mutated = (type: string, mutate: (inputs: Record<string, any>) => void): RecordedResource[] =>
            base.map((r) => {
                if (r.type !== type) return r;
                const inputs = structuredClone(r.inputs);
                mutate(inputs);
                return { ...r, inputs, state: { ...r.state, ...inputs } };
            });

        it("rejects a PeerAuthentication whose mTLS mode is not one of Istio's", async () => {
            const report = await validateAll(
                mutated("kubernetes:security.istio.io/v1:PeerAuthentication", (i) => (i.spec.mtls.mode = "SORTA")),
            );
            assert.deepStrictEqual(report.invalid, [
                "kubernetes:security.istio.io/v1:PeerAuthentication claude-enhancer/default: data/spec/mtls/mode must be equal to one of the allowed values",
            ]);
        });

        it("rejects a PrometheusRule with a rule that has no expr", async () => {
            const report = await validateAll(
                mutated("kubernetes:monitoring.coreos.com/v1:PrometheusRule", (i) => delete i.spec.groups[1].rules[0].expr),
            );
            assert.deepStrictEqual(report.invalid, [
                "kubernetes:monitoring.coreos.com/v1:PrometheusRule monitoring/claude-enhancer-rules: data/spec/groups/1/rules/0 must have required property expr",
            ]);
        });

        it("rejects a Deployment whose replicas is not an integer", async () => {
            const report = await validateAll(mutated("kubernetes:apps/v1:Deployment", (i) => (i.spec.replicas = "three")));
            assert.strictEqual(report.invalid.length, 1);
            assert.match(
                report.invalid[0],
                /^kubernetes:apps\/v1:Deployment claude-enhancer\/[\w-]+: data\/spec\/replicas must be integer$/,
            );
        });

        it("reports a kind that has no model and is not listed, instead of skipping it", async () => {
            const widget: RecordedResource = {
                ...base.find((r) => r.type === "kubernetes:core/v1:ConfigMap")!,
                type: "kubernetes:example.com/v1:Widget",
                name: "widget",
                urn: "urn:pulumi:staging::claude-enhancer::kubernetes:example.com/v1:Widget::widget",
                inputs: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "widget", namespace: "default" }, spec: {} },
            };
            const report = await validateAll([...base, widget]);
            assert.deepStrictEqual(report.unknown, [
                "kubernetes:example.com/v1:Widget default/widget: no model in kubernetes-models, @kubernetes-models/istio, @kubernetes-models/prometheus-operator and not listed in UNMODELLED",
            ]);
        });
    });
});
