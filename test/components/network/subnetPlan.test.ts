import * as assert from "assert";
import { splitCidr, subnetPlan } from "../../../components/network/subnetPlan";

describe("subnet plan", () => {
    it("splits a block into equal blocks in address order", () => {
        assert.deepStrictEqual(splitCidr("10.0.0.0/16", 2), ["10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18", "10.0.192.0/18"]);
        assert.deepStrictEqual(splitCidr("192.168.4.0/24", 1), ["192.168.4.0/25", "192.168.4.128/25"]);
    });

    it("aligns a block given with host bits set to its network address", () => {
        assert.deepStrictEqual(splitCidr("10.0.5.7/16", 1), ["10.0.0.0/17", "10.0.128.0/17"]);
    });

    it("refuses blocks smaller than a single address", () => {
        assert.throws(() => splitCidr("10.0.0.0/30", 3), { message: "cannot split 10.0.0.0/30 into /33 blocks" });
    });

    it("gives 3 AZs of a /16 private /19s first, public /19s next, all through one NAT gateway", () => {
        assert.deepStrictEqual(subnetPlan("10.0.0.0/16", 3, 1), [
            { privateCidr: "10.0.0.0/19", publicCidr: "10.0.96.0/19", natGatewayIndex: 0 },
            { privateCidr: "10.0.32.0/19", publicCidr: "10.0.128.0/19", natGatewayIndex: 0 },
            { privateCidr: "10.0.64.0/19", publicCidr: "10.0.160.0/19", natGatewayIndex: 0 },
        ]);
    });

    it("gives each AZ its own NAT gateway when there are as many as AZs, and spreads fewer round-robin", () => {
        assert.deepStrictEqual(
            subnetPlan("10.0.0.0/16", 3, 3).map((az) => az.natGatewayIndex),
            [0, 1, 2],
        );
        assert.deepStrictEqual(
            subnetPlan("10.0.0.0/16", 4, 2).map((az) => az.natGatewayIndex),
            [0, 1, 0, 1],
        );
    });

    it("uses /18 slices for 2 AZs and /20 for 6 AZs of a /16", () => {
        assert.deepStrictEqual(subnetPlan("10.1.0.0/16", 2, 1), [
            { privateCidr: "10.1.0.0/18", publicCidr: "10.1.128.0/18", natGatewayIndex: 0 },
            { privateCidr: "10.1.64.0/18", publicCidr: "10.1.192.0/18", natGatewayIndex: 0 },
        ]);
        const six = subnetPlan("10.1.0.0/16", 6, 6);
        assert.deepStrictEqual(
            six.map((az) => az.privateCidr),
            ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/20", "10.1.48.0/20", "10.1.64.0/20", "10.1.80.0/20"],
        );
        assert.strictEqual(six[5].publicCidr, "10.1.176.0/20");
    });

    it("fits the smallest VPC the config allows (/24, 6 AZs) with /28 subnets, AWS's minimum", () => {
        const plan = subnetPlan("10.2.3.0/24", 6, 1);
        assert.strictEqual(plan[0].privateCidr, "10.2.3.0/28");
        assert.strictEqual(plan[5].publicCidr, "10.2.3.176/28");
    });

    it("refuses a NAT gateway count outside 1..azCount and subnets below /28", () => {
        assert.throws(() => subnetPlan("10.0.0.0/16", 3, 4), { message: "natGateways must be between 1 and azCount (3), got 4" });
        assert.throws(() => subnetPlan("10.0.0.0/16", 3, 0), { message: "natGateways must be between 1 and azCount (3), got 0" });
        assert.throws(() => subnetPlan("10.0.0.0/26", 3, 1), { message: "10.0.0.0/26 is too small for 6 subnets of at least /28" });
    });
});
