import * as assert from "assert";
import { normalizeKeepers } from "../../../../tools/stand-in-plugins/random/keepers";
import { replacements } from "../../../../tools/stand-in-plugins/random/replacements";
import { stringInputValues } from "../../../../tools/stand-in-plugins/random/stringInputs";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** The state of `{ length: 32, special: false }` after create: every default stored. */
const STATE = {
    length: 32,
    lower: true,
    upper: true,
    numeric: true,
    number: true,
    special: false,
    minLower: 0,
    minUpper: 0,
    minNumeric: 0,
    minSpecial: 0,
    result: "x".repeat(32),
};
const diff = (state: Record<string, unknown>, inputs: Record<string, unknown>) =>
    replacements(stringInputValues(state), stringInputValues(inputs));

describe("stand-in random plugin: replacement", () => {
    it("finds no change for the inputs the state was created from (defaults given or not)", () => {
        assert.deepStrictEqual(diff(STATE, { length: 32, special: false }), []);
        assert.deepStrictEqual(diff(STATE, { length: 32, special: false, upper: true, minUpper: 0 }), []);
    });

    it("replaces on any changed input, by name", () => {
        assert.deepStrictEqual(diff(STATE, { length: 33, special: false }), ["length"]);
        assert.deepStrictEqual(diff(STATE, { length: 32 }), ["special"]);
        assert.deepStrictEqual(diff({ ...STATE, minUpper: 2 }, { length: 32, special: false }), ["minUpper"]);
        assert.deepStrictEqual(diff(STATE, { length: 32, special: false, numeric: false }), ["numeric", "number"]);
    });

    it("replaces when keepers change, gain or lose an entry", () => {
        const state = { ...STATE, keepers: { version: "1.4.0" } };
        assert.deepStrictEqual(diff(state, { length: 32, special: false, keepers: { version: "1.4.0" } }), []);
        assert.deepStrictEqual(diff(state, { length: 32, special: false, keepers: { version: "1.5.0" } }), ["keepers"]);
        assert.deepStrictEqual(diff(state, { length: 32, special: false, keepers: { version: "1.4.0", region: "eu" } }), ["keepers"]);
        assert.deepStrictEqual(diff(state, { length: 32, special: false }), ["keepers"]);
    });

    it("replaces when a keeper or an input is not known yet (a preview)", () => {
        const state = { ...STATE, keepers: { version: "1.4.0" } };
        assert.deepStrictEqual(diff(state, { length: 32, special: false, keepers: { version: UNKNOWN } }), ["keepers"]);
        assert.deepStrictEqual(diff(state, { length: 32, special: false, keepers: UNKNOWN }), ["keepers"]);
        assert.deepStrictEqual(diff(state, { length: UNKNOWN, special: false, keepers: { version: "1.4.0" } }), ["length"]);
    });

    it("counts null keeper entries and no keepers as an empty map, as upstream's RequiresReplaceIfValuesNotNull", () => {
        assert.deepStrictEqual(normalizeKeepers({ a: "1", b: null }), { a: "1" });
        assert.deepStrictEqual(diff(STATE, { length: 32, special: false, keepers: {} }), []);
        assert.deepStrictEqual(diff(STATE, { length: 32, special: false, keepers: { a: null } }), []);
    });
});
