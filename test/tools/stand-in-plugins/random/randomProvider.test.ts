import * as assert from "assert";
import { RandomProvider } from "../../../../tools/stand-in-plugins/random/randomProvider";

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const urn = (type: string, name = "r") => `urn:pulumi:local::claude-enhancer::claude-enhancer:data:Cache$${type}::${name}`;
const PASSWORD = urn("random:index/randomPassword:RandomPassword");
const STRING = urn("random:index/randomString:RandomString");
const ID = urn("random:index/randomId:RandomId");

describe("stand-in random plugin: the provider's operations", () => {
    const plugin = new RandomProvider("4.21.2");

    it("creates a RandomPassword with a secret result and bcryptHash, id 'none' and its inputs with defaults", async () => {
        const { id, outs } = await plugin.create(PASSWORD, { length: 32, special: false });
        assert.strictEqual(id, "none");
        assert.strictEqual(outs.result[SIG], SECRET);
        assert.match(outs.result.value, /^[A-Za-z0-9]{32}$/);
        assert.strictEqual(outs.bcryptHash[SIG], SECRET);
        const { result: _result, bcryptHash: _hash, ...inputs } = outs;
        assert.deepStrictEqual(inputs, {
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
        });
    });

    it("creates a RandomString whose id is its (plain) result", async () => {
        const { id, outs } = await plugin.create(STRING, { length: 10, upper: false, special: false });
        assert.match(outs.result, /^[a-z0-9]{10}$/);
        assert.strictEqual(id, outs.result);
    });

    it("creates a RandomId from byteLength random bytes, keepers and prefix kept as given", async () => {
        const keepers = { version: { [SIG]: SECRET, value: "1.4.0" } };
        const { id, outs } = await plugin.create(ID, { byteLength: 3, keepers, prefix: "s-" });
        assert.match(outs.hex, /^s-[0-9a-f]{6}$/);
        assert.strictEqual(outs.b64Url, `s-${id}`);
        assert.strictEqual(Buffer.from(id, "base64url").toString("hex"), outs.hex.slice(2));
        assert.strictEqual(outs.dec, `s-${parseInt(outs.hex.slice(2), 16)}`);
        assert.deepStrictEqual(outs.keepers, keepers);
        assert.strictEqual(outs.byteLength, 3);
    });

    it("diffs its own state against the same inputs as no change, and against new keepers as a replacement", async () => {
        const { outs } = await plugin.create(ID, { byteLength: 3, keepers: { version: "1.4.0" } });
        assert.deepStrictEqual(await plugin.diff("id", ID, outs, { byteLength: 3, keepers: { version: "1.4.0" } }), {
            changes: false,
            replaces: [],
        });
        assert.deepStrictEqual(await plugin.diff("id", ID, outs, { byteLength: 3, keepers: { version: "1.5.0" } }), {
            changes: true,
            replaces: ["keepers"],
        });
        const password = await plugin.create(PASSWORD, { length: 16 });
        const secretLength = { [SIG]: SECRET, value: 16 };
        assert.deepStrictEqual(await plugin.diff("none", PASSWORD, password.outs, { length: secretLength }), {
            changes: false,
            replaces: [],
        });
    });

    it("returns the inputs unchanged from a check, with a failure for an unknown property", async () => {
        const news = { length: 8, keepers: { v: UNKNOWN }, colour: "red" };
        const result = await plugin.check(PASSWORD, {}, news);
        assert.strictEqual(result.inputs, news);
        assert.deepStrictEqual(
            result.failures?.map((f) => f.property),
            ["colour"],
        );
    });

    it("fails loudly on a type it does not implement, in every operation", async () => {
        const bytes = urn("random:index/randomBytes:RandomBytes");
        const message =
            /^Error: unknown resource type random:index\/randomBytes:RandomBytes: the random stand-in implements random:index\/randomPassword:RandomPassword, random:index\/randomString:RandomString, random:index\/randomId:RandomId$/;
        await assert.rejects(plugin.check(bytes, {}, { length: 4 }), message);
        await assert.rejects(plugin.diff("x", bytes, {}, {}), message);
        await assert.rejects(plugin.create(bytes, { length: 4 }), message);
        await assert.rejects(plugin.read("x", bytes, {}), message);
        await assert.rejects(plugin.delete("x", bytes), message);
    });

    it("refuses to create from inputs not known yet and to update in place", async () => {
        await assert.rejects(plugin.create(PASSWORD, { length: UNKNOWN }), /cannot be created from inputs that are not known yet/);
        await assert.rejects(
            plugin.update("none", PASSWORD),
            /^Error: random:index\/randomPassword:RandomPassword has no in-place update: every input change replaces it$/,
        );
    });
});
