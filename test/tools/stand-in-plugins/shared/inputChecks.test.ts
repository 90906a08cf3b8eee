import * as assert from "assert";
import {
    checkProperties,
    isInteger,
    isOneOf,
    isString,
    isStringList,
    isStringMap,
} from "../../../../tools/stand-in-plugins/shared/inputChecks";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const RULES = { name: isString, count: isInteger, tags: isStringMap, args: isStringList, mode: isOneOf(["a", "b"]) };

describe("stand-in plugins: input checks", () => {
    it("names a property the type does not take, with what it takes", () => {
        assert.deepStrictEqual(checkProperties("t:index:T", { name: "x", colour: "red" }, RULES), [
            { property: "colour", reason: 'unknown property "colour" of t:index:T; it takes name, count, tags, args, mode' },
        ]);
    });

    it("gives an input the stand-in does not implement its own reason", () => {
        assert.deepStrictEqual(checkProperties("t:index:T", { files: ["*"] }, RULES, { files: "files is not implemented" }), [
            { property: "files", reason: "files is not implemented" },
        ]);
    });

    it("names the wrong type, never the value", () => {
        assert.deepStrictEqual(
            checkProperties("t:index:T", { name: 3, count: 1.5, tags: { a: "x", b: 2 }, args: ["x", true], mode: "c" }, RULES).map(
                (f) => f.reason,
            ),
            [
                "name must be a string, not a number",
                "count must be an integer, not a fractional number",
                'tags must be a map of strings; "b" is a number',
                "args must be a list of strings; element 1 is a boolean",
                "mode must be one of a, b",
            ],
        );
    });

    it("passes null (unset) and values not known yet, also inside maps and lists", () => {
        assert.deepStrictEqual(
            checkProperties("t:index:T", { name: null, count: UNKNOWN, tags: { a: UNKNOWN, b: null }, args: [UNKNOWN] }, RULES),
            [],
        );
    });
});
