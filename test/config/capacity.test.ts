import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, PlatformConfig, parsePlatformConfig } from "../../config";
import { ClusterSchema } from "../../config/cluster";
import {
    GroupCapacity,
    PodGroup,
    capacityByStage,
    capacityIssues,
    groupCapacities,
    kubeReservedCpuMillis,
    nodeAllocatable,
    smallestInstanceType,
    stageCapacity,
    unplacedPods,
} from "../../config/capacity";
import { shippedCapacityMarkdown } from "../../config/capacityDocs";
import { NodeGroupConfig } from "../../config/cluster";
import { PROJECT_ROOT, loadStackConfig, readStackSettings } from "../../config/stackFile";
import { STAGE_NAMES } from "../../rollout/stages";
import { runProgram } from "../harness/program";
import { problemsIfAny } from "./problems";

const MIB = 2 ** 20;

/** Production's settings with the app group's maxSize, the stage and full-switch's shape changed. */
function production(
    appMaxSize: number,
    rollout: { stage?: string; fullSwitch?: Record<string, number> } = {},
): Record<string, unknown> & { cluster: { nodeGroups: { maxSize: number; instanceTypes: string[] }[] } } {
    const settings = structuredClone(readStackSettings("production")) as ReturnType<typeof production>;
    settings.cluster.nodeGroups[1].maxSize = appMaxSize;
    const r = settings.rollout as Record<string, unknown>;
    if (rollout.stage) Object.assign(r, { stage: rollout.stage, candidateVersion: "5.1.0" });
    if (rollout.fullSwitch) r.stages = { "full-switch": rollout.fullSwitch };
    return settings;
}

describe("capacity per rollout stage", () => {
    describe("allocatable per node (EKS AMI reservations)", () => {
        it("reserves 70m of 2 vCPU and 80m of 4 vCPU for the kubelet", () => {
            assert.strictEqual(kubeReservedCpuMillis(2), 70);
            assert.strictEqual(kubeReservedCpuMillis(4), 80);
            assert.strictEqual(kubeReservedCpuMillis(8), 90);
        });

        it("leaves an m5.large 1930m, 8 GiB × 92.5 % − (255 + 11 × 29) MiB − 100 MiB, and 29 pods", () => {
            assert.deepStrictEqual(nodeAllocatable("m5.large"), { cpuMillis: 1930, memoryBytes: (7577 - 574 - 100) * MIB, pods: 29 });
            assert.deepStrictEqual(nodeAllocatable("t3.medium"), { cpuMillis: 1930, memoryBytes: (3788 - 442 - 100) * MIB, pods: 17 });
            assert.strictEqual(nodeAllocatable("x9.huge"), undefined);
        });

        it("counts a mixed group at its smallest instance type", () => {
            assert.strictEqual(smallestInstanceType({ instanceTypes: ["m5.xlarge", "m5.large"] }), "m5.large");
            assert.strictEqual(smallestInstanceType({ instanceTypes: ["t3.large", "t3.medium", "m5.large"] }), "t3.medium");
        });
    });

    describe("packing (boundaries)", () => {
        const group = (role: "app" | "system", maxSize: number): NodeGroupConfig => ({
            name: role,
            role,
            instanceTypes: ["m5.large"],
            capacityType: "ON_DEMAND",
            minSize: 0,
            desiredSize: 0,
            maxSize,
            diskSizeGb: 50,
        });
        // Fluent Bit + istio-cni + aws-node + kube-proxy + EBS CSI node: 355m / 348Mi and 5 slots on each node.
        const daemons = { cpuMillis: 355, memoryBytes: 348 * MIB, pods: 5 };
        const pod = (name: string, pods: number, cpuMillis: number, memoryBytes: number, placement: "app" | "any" = "app"): PodGroup => ({
            name,
            pods,
            perPod: { cpuMillis, memoryBytes },
            placement,
        });
        let twoApp: GroupCapacity[];
        before(() => {
            twoApp = groupCapacities([group("system", 1), group("app", 2)], daemons);
            assert.deepStrictEqual(twoApp[1].perNodeForPods, { cpuMillis: 1575, memoryBytes: (6903 - 348) * MIB, pods: 24 });
        });

        it("fits two 1575m pods on two m5.large app nodes exactly, and not a third", () => {
            assert.deepStrictEqual(unplacedPods([pod("app", 2, 1575, MIB)], twoApp), []);
            assert.deepStrictEqual(
                unplacedPods([pod("app", 3, 1575, MIB)], twoApp).map((p) => [p.name, p.pods]),
                [["app", 1]],
            );
        });

        it("fits a pod of exactly a node's memory, not one byte more", () => {
            const memory = (6903 - 348) * MIB;
            assert.deepStrictEqual(unplacedPods([pod("big", 2, 100, memory)], twoApp), []);
            assert.deepStrictEqual(
                unplacedPods([pod("big", 2, 100, memory + 1)], twoApp).map((p) => p.pods),
                [2],
            );
        });

        it("runs out of pod slots (29 per m5.large, 5 taken by DaemonSets) before CPU", () => {
            assert.deepStrictEqual(unplacedPods([pod("tiny", 48, 1, 1)], twoApp), []);
            assert.deepStrictEqual(
                unplacedPods([pod("tiny", 49, 1, 1)], twoApp).map((p) => p.pods),
                [1],
            );
        });

        it("keeps untolerating pods off the tainted system group, and lets the add-ons use it", () => {
            // Two app pods of 1000m cannot share a 1575m node, and the system node is not theirs.
            assert.deepStrictEqual(
                unplacedPods([pod("app", 3, 1000, MIB)], twoApp).map((p) => p.pods),
                [1],
            );
            // The add-ons fill the system node first, leaving both app nodes to the application.
            assert.deepStrictEqual(unplacedPods([pod("app", 2, 1575, MIB), pod("coredns", 1, 1575, MIB, "any")], twoApp), []);
        });
    });

    describe("production at full-switch (20 application pods of 1.1 CPU / 2.1 GiB)", () => {
        const fullSwitch = (appMaxSize: number, shape?: Record<string, number>) =>
            stageCapacity(parsePlatformConfig(production(appMaxSize, { fullSwitch: shape })), "full-switch")!;

        it("fits exactly at app maxSize 23", () => {
            const c = fullSwitch(23);
            assert.deepStrictEqual(c.unplaced, []);
            assert.strictEqual(c.minimumMaxSize, 23);
            assert.deepStrictEqual([c.appPods, c.requested.pods, c.requested.cpuMillis], [20, 47, 27330]);
        });

        it("leaves one pod over at 22 nodes, and at 23 with one more green pod", () => {
            const one = (c: ReturnType<typeof fullSwitch>) => c.unplaced.map((u) => [u.name, u.pods, u.perPod.cpuMillis]);
            assert.deepStrictEqual(one(fullSwitch(22)), [["prometheus", 1, 1000]]);
            const bigger = fullSwitch(23, { greenReplicas: 11, blueReplicas: 10 });
            assert.deepStrictEqual(one(bigger), [["prometheus", 1, 1000]]);
            assert.strictEqual(bigger.minimumMaxSize, 24);
        });
    });

    describe("the shipped stacks", () => {
        for (const stack of ["staging", "production"] as const) {
            it(`${stack} fits at every stage`, () => {
                const stages = capacityByStage(loadStackConfig(stack));
                assert.deepStrictEqual(
                    stages.map((c) => c.stage),
                    [...STAGE_NAMES],
                );
                for (const c of stages) assert.deepStrictEqual(c.unplaced, [], `${stack} ${c.stage}`);
                const full = stages.find((c) => c.stage === "full-switch")!;
                // Both tracks at green's size: blue is the hot standby.
                assert.deepStrictEqual(
                    full.pods.filter((p) => /-(stable|candidate)$/.test(p.name)).map((p) => [p.name, p.pods]),
                    [
                        ["claude-enhancer-stable", 10],
                        ["claude-enhancer-candidate", 10],
                    ],
                );
                assert.strictEqual(full.minimumMaxSize, 23);
            });
        }

        it("does not check local: an existing cluster's nodes are not in its config", () => {
            assert.deepStrictEqual(capacityByStage(loadStackConfig("local")), []);
        });

        it("is what docs/capacity.md shows (regenerate with `npm run docs:capacity`)", () => {
            const doc = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "capacity.md"), "utf8");
            const match = /<!-- CAPACITY:BEGIN -->\n([\s\S]*?)\n<!-- CAPACITY:END -->/.exec(doc);
            assert.ok(match, "docs/capacity.md has no CAPACITY block");
            assert.strictEqual(match[1], shippedCapacityMarkdown());
        });
    });

    describe("config validation", () => {
        it("fails the stage being deployed when it cannot fit, with the numbers and the way out", () => {
            assert.deepStrictEqual(problemsIfAny(production(22, { stage: "full-switch" })), [
                'claude-enhancer:rollout.stage: got "full-switch"; expected a stage whose pods fit the node groups at their maxSize: ' +
                    'rollout.stage "full-switch" needs 27.3 CPU / 59.5 GiB requested (47 pods, 20 of them the application\'s) ' +
                    "plus 0.4 CPU / 0.3 GiB of DaemonSets per node, but node groups " +
                    '"system" (max 5 × m5.large: 7.9 CPU / 32.0 GiB allocatable after DaemonSets) and ' +
                    '"app" (max 22 × m5.large: 34.6 CPU / 140.8 GiB allocatable after DaemonSets) cannot place ' +
                    '1 × prometheus (1.0 CPU / 4.0 GiB each); raise cluster.nodeGroups[1].maxSize ("app") to >= 23, ' +
                    "or lower the stage's replicas or the pods' requests",
            ]);
        });

        it("checks only the stage being deployed", () => {
            assert.deepStrictEqual(problemsIfAny(production(22, { stage: "blue-green-prep" })), []);
            assert.deepStrictEqual(problemsIfAny(production(22)), []);
        });

        it("names an instance type it has no allocatable for instead of guessing", () => {
            const raw = production(23);
            raw.cluster.nodeGroups[1].instanceTypes = ["m5.large", "m5.24xlarge"];
            assert.deepStrictEqual(problemsIfAny(raw), [
                'claude-enhancer:cluster.nodeGroups[1].instanceTypes[1]: got "m5.24xlarge"; expected an instance type whose allocatable ' +
                    'capacity the capacity check knows (add "m5.24xlarge" to INSTANCE_CAPACITY in config/capacity.ts)',
            ]);
        });

        it("does not check a kind or existing cluster (its nodes are not in the config)", () => {
            const c: PlatformConfig = loadStackConfig("production");
            assert.deepStrictEqual(capacityIssues({ ...c, cluster: ClusterSchema.parse({ mode: "existing" }) }), []);
        });
    });

    describe("the preview of an over-capacity stage", function () {
        this.timeout(120_000);

        it("fails at the config, before any resource, with the numbers", async () => {
            await assert.rejects(
                runProgram("production", { overrides: production(22, { stage: "full-switch" }), preview: true }),
                (e: Error) => {
                    assert.ok(e instanceof ConfigError, String(e));
                    assert.match(
                        e.message,
                        /claude-enhancer:rollout\.stage: got "full-switch"; .* needs 27\.3 CPU \/ 59\.5 GiB requested .* raise cluster\.nodeGroups\[1\]\.maxSize \("app"\) to >= 23/,
                    );
                    return true;
                },
            );
        });
    });
});
