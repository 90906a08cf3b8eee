import * as assert from "assert";
import { checkRandomIdInputs, randomIdInputValues } from "../../../../tools/stand-in-plugins/random/randomIdInputs";

const TYPE = "random:index/randomId:RandomId";
const reasons = (inputs: Record<string, unknown>) => checkRandomIdInputs(TYPE, inputs).map((f) => `${f.property}: ${f.reason}`);

describe("stand-in random plugin: RandomId inputs", () => {
    it("accepts rollout.ts's snapshot suffix (3 bytes, keepers by version) and a prefix", () => {
        assert.deepStrictEqual(reasons({ byteLength: 3, keepers: { version: "1.4.0" } }), []);
        assert.deepStrictEqual(reasons({ byteLength: 8, prefix: "db-" }), []);
    });

    it("fails on an unknown property, a missing or zero byteLength", () => {
        assert.deepStrictEqual(reasons({ byteLength: 3, length: 3 }), [
            `length: unknown property "length" of ${TYPE}; it takes keepers, byteLength, prefix`,
        ]);
        assert.deepStrictEqual(reasons({ prefix: "x" }), ["byteLength: byteLength is required"]);
        assert.deepStrictEqual(reasons({ byteLength: 0 }), ["byteLength: byteLength must be at least 1"]);
    });

    it("compares an unset prefix and keepers as empty", () => {
        assert.deepStrictEqual(randomIdInputValues({ byteLength: 3 }), { keepers: {}, byteLength: 3, prefix: "" });
    });
});
