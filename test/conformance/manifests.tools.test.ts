import * as assert from "assert";
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { warningText } from "../harness/apiserver";
import { RecordedResource, kubernetesAutoname } from "../harness/recorder";
import { applyRank } from "./cluster";
import { kubernetesObjects, objectKey, resolveInputs, typeTokenKind, unfilledPlaceholders } from "./manifests";

const PROVIDER = "urn:pulumi:test::p::pulumi:providers:kubernetes::k8s";
const BUILTIN = new Set(["", "apps", "batch", "networking.k8s.io", "apiextensions.k8s.io"]);

function recorded(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<RecordedResource> = {}): RecordedResource {
    return {
        type,
        name,
        urn: `urn:pulumi:test::p::${type}::${name}`,
        id: `${name}-id`,
        custom: true,
        inputs,
        state: inputs,
        protect: false,
        dependsOn: [],
        provider: `${PROVIDER}::k8s-id`,
        additionalSecretOutputs: [],
        ...extra,
    };
}

describe("conformance: from recorded resources to API objects", () => {
    it("unwraps secrets, fills unknowns from the recorded state and reports what it cannot fill", () => {
        const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });
        const { value, placeholders } = resolveInputs(
            {
                stringData: secret({ PASSWORD: "p" }),
                spec: { clusterIP: unknownValue, host: unknownValue, name: "Calling [toString] on an [Output<T>] is not supported." },
            },
            { stringData: secret({ PASSWORD: "p" }), spec: { clusterIP: "10.96.0.10" } },
        );
        assert.deepStrictEqual(value, {
            stringData: { PASSWORD: "p" },
            spec: { clusterIP: "10.96.0.10", host: unknownValue, name: "Calling [toString] on an [Output<T>] is not supported." },
        });
        assert.deepStrictEqual(placeholders, [
            'spec.clusterIP: unknown at deploy time, filled from the recorded state ("10.96.0.10")',
            "spec.host: unknown at deploy time and absent from the recorded state",
            "spec.name: a pulumi.Output was interpolated into a string",
        ]);
    });

    it("splits the program's resources into objects to apply and uncovered ones, each with its reason", () => {
        const crd = recorded("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "widgets", {
            apiVersion: "apiextensions.k8s.io/v1",
            kind: "CustomResourceDefinition",
            metadata: { name: "widgets.example.org" },
            spec: { group: "example.org", names: { kind: "Widget" }, scope: "Namespaced" },
        });
        const resources = [
            recorded("pulumi:providers:kubernetes", "k8s", { namespace: "apps" }, { urn: PROVIDER, id: "k8s-id", provider: undefined }),
            recorded("kubernetes:apps/v1:Deployment", "web", { apiVersion: "apps/v1", kind: "Deployment", metadata: {}, spec: {} }),
            crd,
            recorded("kubernetes:example.org/v1:Widget", "w", { apiVersion: "example.org/v1", kind: "Widget", metadata: { name: "w" } }),
            recorded("kubernetes:networking.istio.io/v1:VirtualService", "vs", {
                apiVersion: "networking.istio.io/v1",
                kind: "VirtualService",
                metadata: { name: "vs" },
            }),
            recorded("kubernetes:helm.sh/v3:Release", "istiod", { chart: "istiod" }),
            recorded("kubernetes:apps/v1:DeploymentPatch", "coredns", {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "coredns" },
            }),
        ];
        const { manifests, uncovered } = kubernetesObjects(resources, BUILTIN);
        assert.deepStrictEqual(
            manifests.map((m) => [m.type, m.object.metadata.name, m.defaultNamespace]),
            [
                ["kubernetes:apps/v1:Deployment", (kubernetesAutoname(resources[1]).metadata as { name: string }).name, "apps"],
                ["kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "widgets.example.org", "apps"],
                ["kubernetes:example.org/v1:Widget", "w", "apps"],
            ],
        );
        assert.deepStrictEqual(
            uncovered.map((u) => [u.name, u.reason.split(":")[0].split(" (")[0]]),
            [
                ["vs", "its CRD"],
                ["istiod", "Helm renders and installs the chart's objects at deploy time; the chart is not part of this program"],
                ["coredns", "a Patch resource"],
            ],
        );
        assert.deepStrictEqual(unfilledPlaceholders(manifests), []);
    });

    it("autonames like the provider, stably per type and name, only objects without a name", () => {
        const args = (type: string, name: string, metadata: Record<string, unknown> = {}) => ({ type, name, inputs: { metadata } });
        const web = kubernetesAutoname(args("kubernetes:apps/v1:Deployment", "web", { namespace: "apps" })).metadata as {
            name: string;
            namespace: string;
        };
        assert.match(web.name, /^web-[0-9a-f]{8}$/);
        assert.strictEqual(web.namespace, "apps");
        assert.deepStrictEqual(kubernetesAutoname(args("kubernetes:apps/v1:Deployment", "web")), { metadata: { name: web.name } });
        assert.notStrictEqual((kubernetesAutoname(args("kubernetes:core/v1:Service", "web")).metadata as { name: string }).name, web.name);
        assert.deepStrictEqual(kubernetesAutoname(args("kubernetes:apps/v1:Deployment", "web", { name: "fixed" })), {});
        assert.deepStrictEqual(kubernetesAutoname(args("kubernetes:helm.sh/v3:Release", "istiod")), {});
        assert.deepStrictEqual(kubernetesAutoname(args("kubernetes:apps/v1:DeploymentPatch", "coredns")), {});
        assert.deepStrictEqual(kubernetesAutoname(args("aws:s3/bucket:Bucket", "logs")), {});
    });

    it("reads kinds from type tokens and keys objects by group, kind, namespace and name", () => {
        assert.deepStrictEqual(typeTokenKind("kubernetes:core/v1:ConfigMap"), { apiVersion: "v1", kind: "ConfigMap" });
        assert.deepStrictEqual(typeTokenKind("kubernetes:apps/v1:Deployment"), { apiVersion: "apps/v1", kind: "Deployment" });
        assert.strictEqual(objectKey({ apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } }), "core/Namespace a");
        assert.strictEqual(
            objectKey({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "n" } }),
            "apps/Deployment n/d",
        );
    });

    it("orders namespaces, CRDs, built-in objects, custom objects, then webhooks", () => {
        const ranks = ["Namespace", "CustomResourceDefinition", "Deployment", "Widget", "ValidatingWebhookConfiguration"].map((kind) =>
            applyRank({ apiVersion: kind === "Widget" ? "example.org/v1" : "apps/v1", kind, metadata: {} }, BUILTIN),
        );
        assert.deepStrictEqual(ranks, [0, 1, 2, 3, 4]);
    });

    it("reads the text of a Warning header", () => {
        assert.strictEqual(
            warningText('299 - "would violate PodSecurity \\"restricted:latest\\": privileged"'),
            'would violate PodSecurity "restricted:latest": privileged',
        );
    });
});
