import * as assert from "node:assert/strict";
import { REQUIRED_COST_TAGS } from "../../components/aws/tags";
import { NODE_ROLE_LABEL } from "../../components/cluster/nodeGroupSettings";
import { budgetExists, costPolicies, requiredCostTags, spotAppNodes } from "../../policies/cost";
import { costCases, taggedBucket } from "./cost.cases";
import * as f from "./fixtures";
import { UNKNOWN, changed, checkResource, checkStack, describePolicies } from "./harness";

describePolicies("Cost policies", costPolicies, costCases);

describe("Cost policy details", () => {
    it("requires the same cost tags the program's providers set", () => {
        const schema = requiredCostTags.configSchema!.properties.requiredTags;
        assert.deepEqual(schema.default, [...REQUIRED_COST_TAGS]);
    });

    it("finds application node groups by the label the program puts on them", async () => {
        assert.equal(spotAppNodes.configSchema!.properties.appLabelKey.default, NODE_ROLE_LABEL);
        const onDemandApp = changed(f.nodeGroup("app"), ["capacityType"], "ON_DEMAND");
        assert.deepEqual(
            (await checkResource(spotAppNodes, onDemandApp)).violations.map((v) => v.message),
            ["application node group uses ON_DEMAND capacity; expected SPOT."],
        );
    });

    it("leaves the budget rule not applicable on a stack without AWS resources", async () => {
        const outcome = await checkStack(budgetExists, [f.deployment()]);
        assert.deepEqual(outcome, { violations: [], notApplicable: "the stack has no AWS resources" });
    });

    it("skips a resource whose own tags are unknown during preview when its provider is not known either", async () => {
        const bucket = changed(changed(taggedBucket(), ["tagsAll"], UNKNOWN), ["tags"], UNKNOWN);
        assert.deepEqual(await checkStack(requiredCostTags, [bucket]), { violations: [] });
    });
});
