// TEMPORARY dev scratch (removed before hand-off): components straight under mocks, through DeclaredStack.
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Application } from "../../components/application";
import { Rollout } from "../../components/rollout";
import { Namespaces } from "../../components/namespaces";
import { platformNamespaces } from "../../components/platformNamespaces";
import { loadStackConfig } from "../../config/stackFile";
import { StageName, resolveStageTable } from "../../rollout/stages";
import { installMocks } from "../harness/program";
import { DeclaredStack, builtinGroups } from "./cluster";
import { kubernetesObjects } from "./manifests";
import { podTemplates, probePods } from "./podSecurity";
import { conformanceServer } from "./server";
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
const CONFIG = loadStackConfig("production");
const TABLE = resolveStageTable({}, CONFIG.app.autoscaling);

async function objectsFor(stage: StageName, router: "istio" | "nginx") {
    const mocks = await installMocks("production");
    const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const ns = new Namespaces("namespaces", { namespaces: platformNamespaces(CONFIG) }, { providers: [k8sProvider] });
    const candidateVersion = stage === "stable" || stage === "rollback" ? undefined : "5.1.0";
    const application = new Application("app", {
        app: CONFIG.app, namespace: ns.nameOf("claude-enhancer"), stage: TABLE[stage], stableVersion: "5.0.0", candidateVersion,
        database: { host: "db", port: 5432, name: "claude_enhancer", username: "u", password: pulumi.secret("p"), tls: true, network: { cidrs: ["10.20.0.0/16"] } },
        cache: { host: "redis", port: 6379, tls: true, network: { cidrs: ["10.20.0.0/16"] } },
        router, ingressNamespaces: ["istio-system"],
    }, { providers: [k8sProvider] });
    new Rollout("rollout", {
        environment: "production", stage: TABLE[stage], rollout: { ...CONFIG.rollout, candidateVersion }, application,
        traffic: { router, entry: { ...CONFIG.app.ingress } },
    }, { providers: [k8sProvider] });
    await settings.waitForRPCs();
    return mocks.resources;
}

describe("scratch", function () {
    this.timeout(120000);
    it("runs the stages", async () => {
        const server = await conformanceServer();
        const builtin = await builtinGroups(server.client);
        const stack = new DeclaredStack(server.client, builtin);
        for (const stage of ["stable", "canary", "canary-expand", "blue-green-prep", "full-switch", "rollback"] as StageName[]) {
            const { manifests, uncovered } = kubernetesObjects(await objectsFor(stage, "nginx"), builtin);
            const up = await stack.up(manifests);
            const probes = await probePods(stack, podTemplates(stack.objects()));
            console.log(stage, JSON.stringify({ applied: up.applied.length, deleted: up.deleted, rejections: up.rejections, warnings: up.warnings, uncovered: uncovered.map(u => u.type), placeholders: manifests.flatMap(m => m.placeholders), probes: probes.filter(p => p.refusal || p.warnings.length) }, null, 1));
            const canary = await server.client.find("networking.k8s.io/v1", "Ingress", "claude-enhancer-canary", "claude-enhancer");
            console.log("  canary-weight", canary?.metadata.annotations?.["nginx.ingress.kubernetes.io/canary-weight"]);
        }
        const d = await stack.destroy();
        assert.deepStrictEqual(d.rejections, []);
    });
});
