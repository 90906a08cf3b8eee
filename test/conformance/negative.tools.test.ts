import * as assert from "assert";
import { ApiError, ApiServer, KubeObject } from "../harness/apiserver";
import { podSecurityLabels } from "../../components/kubernetes/namespaces";
import { DeclaredStack, builtinGroups } from "./cluster";
import { Manifest } from "./manifests";
import { START_TIMEOUT_MS, conformanceServer } from "./server";

/**
 * The tier can fail: objects a mock runtime accepts without a word are refused by the real API
 * server, with its own message.
 */
const NAMESPACE = "conformance-negative";

function manifest(object: KubeObject): Manifest {
    return {
        urn: `urn:pulumi:test::conformance::${object.kind}::${object.metadata.name}`,
        type: `kubernetes:test:${object.kind}`,
        object,
        defaultNamespace: "default",
        placeholders: [],
    };
}

const restrictedContainer = {
    name: "app",
    image: "registry.example.com/app:1.0.0",
    securityContext: {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    },
};

function deployment(selector: Record<string, string>, podLabels: Record<string, string>): KubeObject {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: NAMESPACE },
        spec: {
            replicas: 1,
            selector: { matchLabels: selector },
            template: { metadata: { labels: podLabels }, spec: { containers: [restrictedContainer] } },
        },
    };
}

/** The refusal of `attempt`, failing the test when the API server accepts. */
async function refusal(attempt: Promise<unknown>): Promise<ApiError> {
    try {
        await attempt;
    } catch (e) {
        if (e instanceof ApiError) return e;
        throw e;
    }
    assert.fail("the API server accepted it");
}

describe("conformance: the API server refuses what mocks accept", function () {
    let server: ApiServer;
    let stack: DeclaredStack;
    const namespace: KubeObject = {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: NAMESPACE, labels: podSecurityLabels("restricted") },
    };

    before(async function () {
        this.timeout(START_TIMEOUT_MS);
        server = await conformanceServer();
        stack = new DeclaredStack(server.client, await builtinGroups(server.client));
        const up = await stack.up([manifest(namespace)]);
        assert.deepStrictEqual(up.rejections, []);
        await stack.ensureDefaultServiceAccount(NAMESPACE);
    });

    after(async function () {
        this.timeout(60_000);
        if (!stack) return;
        const destroyed = await stack.destroy();
        assert.deepStrictEqual(destroyed.rejections, []);
    });

    it("refuses a Deployment whose selector does not match its pod template's labels", async () => {
        const e = await refusal(server.client.apply(deployment({ app: "web" }, { app: "api" }), { fieldManager: "conformance" }));
        assert.strictEqual(e.status, 422);
        assert.strictEqual(e.reason, "Invalid");
        assert.match(e.apiMessage, /spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/);
    });

    it("refuses a change of a Deployment's selector from one stage to the next (an immutable field)", async () => {
        const stable = manifest(deployment({ app: "web" }, { app: "web" }));
        const first = await stack.up([manifest(namespace), stable]);
        assert.deepStrictEqual(first.rejections, []);
        const relabelled = { ...stable, object: deployment({ app: "web", track: "stable" }, { app: "web", track: "stable" }) };
        const second = await stack.up([manifest(namespace), relabelled]);
        assert.strictEqual(second.rejections.length, 1, JSON.stringify(second.rejections));
        assert.strictEqual(second.rejections[0].object, `apps/Deployment ${NAMESPACE}/web`);
        assert.match(second.rejections[0].message, /^422 Invalid: .*spec\.selector: Invalid value: .*field is immutable/);
        // The refused update left the first stage's Deployment in place.
        const live = await server.client.get("apps/v1", "Deployment", "web", NAMESPACE);
        assert.deepStrictEqual((live.spec as { selector: unknown }).selector, { matchLabels: { app: "web" } });
    });

    it("refuses a privileged container in a namespace that enforces Pod Security restricted", async () => {
        const pod: KubeObject = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "privileged", namespace: NAMESPACE },
            spec: {
                containers: [
                    {
                        ...restrictedContainer,
                        securityContext: { ...restrictedContainer.securityContext, privileged: true, allowPrivilegeEscalation: true },
                    },
                ],
            },
        };
        const e = await refusal(server.client.create(pod, { dryRun: true }));
        assert.strictEqual(e.status, 403);
        assert.strictEqual(e.reason, "Forbidden");
        assert.match(
            e.apiMessage,
            /violates PodSecurity "restricted:latest": privileged \(container "app" must not set securityContext\.privileged=true\)/,
        );
    });

    it("warns on a Deployment whose pod template Pod Security restricted would refuse", async () => {
        const privileged = deployment({ app: "web" }, { app: "web" });
        const template = (privileged.spec as { template: { spec: { hostNetwork?: boolean } } }).template;
        template.spec.hostNetwork = true;
        const response = await server.client.apply(privileged, { fieldManager: "conformance", dryRun: true });
        assert.deepStrictEqual(response.warnings, ['would violate PodSecurity "restricted:latest": host namespaces (hostNetwork=true)']);
    });
});
