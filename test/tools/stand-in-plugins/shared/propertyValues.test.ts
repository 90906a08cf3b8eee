import * as assert from "assert";
import { containsUnknown, reveal, revealAll, sameValue, secret } from "../../../../tools/stand-in-plugins/shared/propertyValues";

/** The wire forms the engine sends: Pulumi's secret signature object and its unknown sentinel. */
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const wrapped = (value: unknown) => ({ [SIG]: SECRET, value });

describe("stand-in plugins: property values on the wire", () => {
    it("wraps a secret in Pulumi's signature object", () => {
        assert.deepStrictEqual(secret("s3cret"), { [SIG]: SECRET, value: "s3cret" });
    });

    it("reveals secrets at any depth: a whole value, a map entry, a list element", () => {
        assert.deepStrictEqual(
            revealAll({ a: wrapped(32), b: { version: wrapped("1.2.3") }, c: ["x", wrapped("y")], d: wrapped({ k: wrapped("v") }) }),
            {
                a: 32,
                b: { version: "1.2.3" },
                c: ["x", "y"],
                d: { k: "v" },
            },
        );
    });

    it("fails on any other signature, naming where it is (assets, archives, resource references are no input here)", () => {
        const asset = { [SIG]: "c44067f5952c0a294b673a41bacd8c17", path: "/etc/hosts" };
        assert.throws(
            () => reveal({ files: [asset] }, "environment"),
            /^Error: environment\.files\[0\]: unsupported value with signature c44067f5952c0a294b673a41bacd8c17$/,
        );
    });

    it("finds values not known yet, nested too", () => {
        assert.strictEqual(containsUnknown(UNKNOWN), true);
        assert.strictEqual(containsUnknown({ keepers: { version: UNKNOWN } }), true);
        assert.strictEqual(containsUnknown(["a", UNKNOWN]), true);
        assert.strictEqual(containsUnknown({ keepers: { version: "1.2.3" }, length: 32 }), false);
    });

    it("compares revealed values deeply; an unknown new value is never the same", () => {
        assert.strictEqual(sameValue({ a: ["x", 1] }, { a: ["x", 1] }), true);
        assert.strictEqual(sameValue({ a: ["x", 1] }, { a: ["x", 2] }), false);
        assert.strictEqual(sameValue({ a: 1 }, { a: 1, b: 2 }), false);
        assert.strictEqual(sameValue(["a"], { 0: "a" }), false);
        assert.strictEqual(sameValue(UNKNOWN, UNKNOWN), false);
        assert.strictEqual(sameValue(undefined, undefined), true);
    });
});
