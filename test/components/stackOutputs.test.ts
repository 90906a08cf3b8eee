import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { definedOutputs } from "../../components/stackOutputs";

describe("stack outputs (components/stackOutputs.ts)", () => {
    it("drops the keys whose value is undefined and keeps every other value, falsy ones and outputs included", () => {
        const output = pulumi.output("x");
        const kept = definedOutputs({ vpcId: undefined, port: 0, name: "", enabled: false, none: null, url: output, drBucket: undefined });
        assert.deepStrictEqual(Object.keys(kept), ["port", "name", "enabled", "none", "url"]);
        assert.strictEqual(kept.url, output);
    });
});
