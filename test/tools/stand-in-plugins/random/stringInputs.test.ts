import * as assert from "assert";
import {
    checkStringInputs,
    stringInputOutputs,
    stringInputValues,
    stringSettings,
} from "../../../../tools/stand-in-plugins/random/stringInputs";

const TYPE = "random:index/randomPassword:RandomPassword";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const reasons = (inputs: Record<string, unknown>) => checkStringInputs(TYPE, inputs).map((f) => `${f.property}: ${f.reason}`);

describe("stand-in random plugin: RandomPassword and RandomString inputs", () => {
    it("accepts every input the program gives (logging.ts, monitoring.ts, database.ts, cache.ts)", () => {
        for (const inputs of [
            { length: 32, minUpper: 2, minLower: 2, minNumeric: 2, minSpecial: 2, overrideSpecial: "-_.+" },
            { length: 32, special: false },
            { length: 64, special: true, overrideSpecial: "!&#$^<>-", minUpper: 1, minLower: 1, minNumeric: 1 },
            { length: 8, keepers: { version: "1.2.3" }, lower: true, upper: true, numeric: true, number: true },
        ]) {
            assert.deepStrictEqual(reasons(inputs), [], JSON.stringify(inputs));
        }
    });

    it("fails on an unknown property, naming it", () => {
        assert.deepStrictEqual(reasons({ length: 8, minUppers: 2 }), [
            `minUppers: unknown property "minUppers" of ${TYPE}; it takes keepers, length, lower, upper, numeric, number, special, minLower, minUpper, minNumeric, minSpecial, overrideSpecial`,
        ]);
    });

    it("fails on wrong types, a missing or short length, and minimums longer than the length", () => {
        assert.deepStrictEqual(reasons({ length: "32", special: "no" }), [
            "length: length must be an integer, not a string",
            "special: special must be a boolean, not a string",
        ]);
        assert.deepStrictEqual(reasons({ minUpper: -1, length: 4 }), ["minUpper: minUpper must not be negative"]);
        assert.deepStrictEqual(reasons({ special: false }), ["length: length is required"]);
        assert.deepStrictEqual(reasons({ length: 0 }), ["length: length must be at least 1"]);
        assert.deepStrictEqual(reasons({ length: 5, minUpper: 2, minLower: 2, minNumeric: 2 }), [
            "length: length must be at least the sum of minUpper + minLower + minNumeric + minSpecial (6)",
        ]);
    });

    it("fails when number and numeric contradict each other, and when every class is off", () => {
        assert.deepStrictEqual(reasons({ length: 8, number: true, numeric: false }), [
            "numeric: number and numeric are both configured with different values; number is deprecated, use numeric",
        ]);
        assert.deepStrictEqual(reasons({ length: 8, lower: false, upper: false, number: false, special: false }), [
            "special: at least one of lower, upper, numeric, special must be true",
        ]);
    });

    it("leaves values not known yet (a preview) to the next check", () => {
        assert.deepStrictEqual(reasons({ length: UNKNOWN, minUpper: 40, keepers: { version: UNKNOWN } }), []);
    });

    it("applies upstream's defaults: every class on, no minimums, numeric and number mirroring each other", () => {
        assert.deepStrictEqual(stringInputValues({ length: 8, number: false }), {
            keepers: {},
            length: 8,
            lower: true,
            upper: true,
            numeric: false,
            number: false,
            special: true,
            minLower: 0,
            minUpper: 0,
            minNumeric: 0,
            minSpecial: 0,
            overrideSpecial: "",
        });
        assert.deepStrictEqual(stringSettings({ length: 12, special: false, minUpper: 1 }), {
            length: 12,
            lower: true,
            upper: true,
            numeric: true,
            special: false,
            minLower: 0,
            minUpper: 1,
            minNumeric: 0,
            minSpecial: 0,
            overrideSpecial: "",
        });
    });

    it("keeps given inputs as they came (a secret stays wrapped) and the defaults in the outputs", () => {
        const length = { [SIG]: SECRET, value: 16 };
        assert.deepStrictEqual(
            stringInputOutputs({ length, numeric: false, keepers: { k: "v" } }, { length: 16, numeric: false, keepers: { k: "v" } }),
            {
                keepers: { k: "v" },
                length,
                lower: true,
                upper: true,
                numeric: false,
                number: false,
                special: true,
                minLower: 0,
                minUpper: 0,
                minNumeric: 0,
                minSpecial: 0,
            },
        );
    });
});
