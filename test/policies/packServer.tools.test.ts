/**
 * The pack as the Pulumi CLI runs it: `node @pulumi/pulumi/cmd/run-policy-pack <engine> <pack dir>`
 * with the pack directory as working directory (what the nodejs language host's RunPlugin does for
 * an analyzer), which type-checks policies/ with ts-node, then prints the port of its Analyzer gRPC
 * server. The test speaks that protocol as the engine does.
 */
import * as assert from "node:assert/strict";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { AnalyzedResource, analyzeStack, reconcileConfig } from "../../policies/analyzer";
import { pack, policies } from "../../policies/pack";
import {
    LEVELS,
    RunningPack,
    WireDiagnostic,
    analyzeRequest,
    call,
    configureRequest,
    diagnosticsOf,
    stackRequest,
    startPack,
} from "./analyzerClient";
import * as f from "./fixtures";
import { UNKNOWN, changed } from "./harness";

describe("the policy pack as the Pulumi CLI runs it (Analyzer gRPC)", function () {
    // The pack type-checks policies/ with ts-node before it serves: several seconds on a small machine.
    this.timeout(180_000);

    let running: RunningPack;
    let client: RunningPack["client"];

    before(async () => {
        running = await startPack();
        client = running.client;
    });

    after(() => running?.stop());

    it("starts (type-checking policies/ with the CLI's ts-node settings) and prints its port", async () => {
        assert.ok(running.startupMs > 0);
        // stderr is a pipe of its own: what the pack wrote there before its port line may arrive after it. A round trip first.
        await call(client, "getAnalyzerInfo", new Empty());
        assert.equal(running.stderr().trim(), "", "the pack wrote to stderr while starting");
    });

    it("GetAnalyzerInfo lists every policy with its level, description and config schema", async () => {
        const info = await call<any>(client, "getAnalyzerInfo", new Empty());
        assert.equal(info.getName(), "claude-enhancer");
        assert.equal(info.getVersion(), pack.version);
        const listed = info.getPoliciesList();
        assert.ok(listed.length >= 40, `${listed.length} policies`);
        assert.deepEqual(
            listed.map((p: any) => p.getName()),
            policies.map((p) => p.name),
        );
        const retention = listed.find((p: any) => p.getName() === "aws-rds-backup-retention");
        assert.equal(LEVELS[retention.getEnforcementlevel()], "mandatory");
        assert.equal(
            retention.getDescription(),
            "RDS primary instances keep automated backups (point-in-time recovery) for at least the configured days.",
        );
        assert.deepEqual(retention.getConfigschema().getProperties().toJavaScript().minRetentionDays, {
            type: "integer",
            minimum: 1,
            default: 7,
            description: "Fewest days of automated backups (point-in-time recovery window).",
        });
    });

    it("Analyze reports a violating resource with the policy's message", async () => {
        const db = changed(f.rdsPrimary(), ["publiclyAccessible"], true);
        const response = await call<any>(client, "analyze", analyzeRequest(db));
        assert.deepEqual(diagnosticsOf(response), [
            {
                policyName: "aws-rds-not-public",
                enforcementLevel: "mandatory",
                urn: undefined,
                message: "RDS instances are not publicly accessible.\npubliclyAccessible is true; databases live in private subnets only.",
            },
        ]);
    });

    it("Analyze reports nothing for a preview resource whose checked inputs are unknown, and says why it skipped", async () => {
        const db = changed(changed(f.rdsPrimary(), ["publiclyAccessible"], UNKNOWN), ["storageEncrypted"], UNKNOWN);
        const response = await call<any>(client, "analyze", analyzeRequest(db));
        assert.deepEqual(diagnosticsOf(response), []);
        const skipped = response.getNotApplicableList().map((n: any) => [n.getPolicyName(), n.getReason()]);
        assert.ok(
            skipped.some(
                ([name, reason]: string[]) =>
                    name === "aws-rds-not-public" && /publiclyAccessible can't be known during preview/.test(reason),
            ),
            JSON.stringify(skipped),
        );
    });

    it("Analyze judges a HealthGate by the type token the engine gives the dynamic resource", async () => {
        const gate = changed(f.healthGate(), ["gate", "minRequests"], 5);
        assert.equal(gate.type, "pulumi-nodejs:dynamic/healthGate:HealthGate");
        const response = await call<any>(client, "analyze", analyzeRequest(gate));
        assert.deepEqual(
            diagnosticsOf(response).map((d) => [d.policyName, d.message.split("\n")[1]]),
            [["rollout-gate-min-traffic", "the canary gate judges the candidate after 5 requests; at least 50 are required."]],
        );
    });

    it("Analyze sees the resource's provider (cost tags from defaultTags)", async () => {
        const untagged = f.awsProvider({ Project: "claude-enhancer" });
        const response = await call<any>(client, "analyze", analyzeRequest(untagged));
        assert.deepEqual(
            diagnosticsOf(response).map((d) => d.message.split("\n")[1]),
            ["defaultTags lack Environment, CostCenter, ManagedBy."],
        );
    });

    it("AnalyzeStack runs the stack policies", async () => {
        const response = await call<any>(client, "analyzeStack", stackRequest([f.rdsPrimary(), f.backupPlan(), f.backupSelection()]));
        assert.deepEqual(
            diagnosticsOf(response).map((d) => [d.policyName, d.enforcementLevel, d.urn]),
            [["cost-budget-exists", "mandatory", undefined]],
        );
    });

    it("Configure applies a stack's policy config, and then serves what the offline analyzer computes for the same stack", async () => {
        const config = reconcileConfig(pack, {
            "aws-rds-multi-az": "advisory",
            "cost-allowed-db-instance-classes": { allowedInstanceClasses: ["db.t4g.medium"] },
        });
        await call(client, "configure", configureRequest(config));
        const provider = f.awsProvider();
        const linked = (r: AnalyzedResource) => ({ ...r, provider: `${provider.urn}::aws-primary-id` });
        const resources = [
            provider,
            linked(changed(f.rdsPrimary(), ["multiAz"], false)),
            linked(f.rdsReplica()),
            linked(f.budget()),
            ...f.bucketSet().map(linked).slice(0, 3),
            ...f.vpcWithFlowLog().map(linked),
        ];

        const served: WireDiagnostic[] = [];
        for (const r of resources) {
            const p = r.provider ? provider : undefined;
            served.push(...diagnosticsOf(await call<any>(client, "analyze", analyzeRequest(r, p))).map((d) => ({ ...d, urn: r.urn })));
        }
        served.push(...diagnosticsOf(await call<any>(client, "analyzeStack", stackRequest(resources))));
        const offline = (await analyzeStack(pack, resources, config)).diagnostics.map(({ policyName, enforcementLevel, urn, message }) => ({
            policyName,
            enforcementLevel,
            urn,
            message,
        }));

        const key = (d: { policyName: string; urn?: string; message: string }) => `${d.policyName}|${d.urn}|${d.message}`;
        assert.deepEqual(served.map(key).sort(), offline.map(key).sort());
        assert.ok(served.some((d) => d.policyName === "aws-rds-multi-az" && d.enforcementLevel === "advisory"));
        assert.ok(
            served.some(
                (d) =>
                    d.policyName === "cost-allowed-db-instance-classes" &&
                    d.message.endsWith("instance class db.r6g.large is not allowed (allowed: db.t4g.medium)."),
            ),
        );
    });
});
