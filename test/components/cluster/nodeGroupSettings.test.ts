import * as assert from "assert";
import { nodeGroupSettings } from "../../../components/cluster/nodeGroupSettings";
import type { NodeGroupConfig } from "../../../config/cluster";

const group = (over: Partial<NodeGroupConfig>): NodeGroupConfig => ({
    name: "app",
    role: "app",
    instanceTypes: ["m5.large"],
    capacityType: "SPOT",
    minSize: 1,
    desiredSize: 2,
    maxSize: 4,
    diskSizeGb: 50,
    ...over,
});

describe("node group settings", () => {
    it("taints system nodes for critical add-ons only and labels each group with its role", () => {
        const system = nodeGroupSettings(group({ name: "system", role: "system", capacityType: "ON_DEMAND" }));
        assert.deepStrictEqual(system.taints, [{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }]);
        assert.deepStrictEqual(system.labels, { "claude-enhancer.io/role": "system" });
        const app = nodeGroupSettings(group({}));
        assert.deepStrictEqual(app.taints, []);
        assert.deepStrictEqual(app.labels, { "claude-enhancer.io/role": "app" });
    });

    it("carries capacity type, instance types and sizes over", () => {
        const settings = nodeGroupSettings(
            group({ instanceTypes: ["t3.medium", "t3.large"], capacityType: "SPOT", minSize: 0, desiredSize: 3, maxSize: 6 }),
        );
        assert.strictEqual(settings.capacityType, "SPOT");
        assert.deepStrictEqual(settings.instanceTypes, ["t3.medium", "t3.large"]);
        assert.deepStrictEqual(settings.scalingConfig, { minSize: 0, desiredSize: 3, maxSize: 6 });
    });

    it("picks the Amazon Linux 2023 AMI of the instance types' architecture", () => {
        assert.strictEqual(nodeGroupSettings(group({ instanceTypes: ["m5.large", "t3.medium"] })).amiType, "AL2023_x86_64_STANDARD");
        assert.strictEqual(nodeGroupSettings(group({ instanceTypes: ["m6g.large", "c7gn.xlarge"] })).amiType, "AL2023_ARM_64_STANDARD");
        assert.strictEqual(nodeGroupSettings(group({ instanceTypes: ["g5.xlarge"] })).amiType, "AL2023_x86_64_STANDARD");
    });
});
