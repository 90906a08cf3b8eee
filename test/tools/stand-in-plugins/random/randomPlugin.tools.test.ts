import * as assert from "assert";
import { compareSync } from "bcryptjs";
import { getVersion as randomSdkVersion } from "@pulumi/random/utilities";
import { ResourcePlugin } from "../../../harness/resourcePlugin";

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const wrapped = (value: unknown) => ({ [SIG]: SECRET, value });
const urn = (type: string, name: string) => `urn:pulumi:local::claude-enhancer::claude-enhancer:observability:Logging$${type}::${name}`;
const PASSWORD = urn("random:index/randomPassword:RandomPassword", "logging-opensearch-admin");
const STRING = urn("random:index/randomString:RandomString", "suffix");
const ID = urn("random:index/randomId:RandomId", "rollout-snapshot-suffix-1.4.0");
/** grpc-js puts the provider's error message in `details`. */
const failsWith = (pattern: RegExp) => (err: { details?: string }) => pattern.test(err.details ?? "");

describe("stand-in random plugin over gRPC, started as the engine's launcher starts it", function () {
    this.timeout(60_000);
    let plugin: ResourcePlugin;

    before(async () => {
        plugin = await ResourcePlugin.start("tools/stand-in-plugins/random/main.ts");
        await plugin.configure();
    });
    after(async () => plugin?.stop());

    it("reports the version @pulumi/random registers its resources with", async () => {
        assert.strictEqual(await plugin.version(), randomSdkVersion());
    });

    it("takes secrets and does not preview, so the engine never calls Create or Update in a preview", async () => {
        assert.deepStrictEqual(await plugin.configure(), { acceptSecrets: true, supportsPreview: false });
    });

    it("creates logging.ts's OpenSearch password: 32 characters, the minimums met, the result secret; the same inputs diff as no change", async () => {
        const inputs = { length: 32, minUpper: 2, minLower: 2, minNumeric: 2, minSpecial: 2, overrideSpecial: "-_.+" };
        assert.deepStrictEqual(await plugin.check(PASSWORD, {}, inputs), { inputs, failures: [] });
        const { id, outs } = await plugin.create(PASSWORD, inputs);
        assert.strictEqual(id, "none");
        assert.strictEqual(outs.result[SIG], SECRET);
        const password: string = outs.result.value;
        assert.match(password, /^[A-Za-z0-9\-_.+]{32}$/);
        for (const set of [/[A-Z]/g, /[a-z]/g, /[0-9]/g, /[-_.+]/g])
            assert.ok((password.match(set) ?? []).length >= 2, `${set} in ${password}`);
        assert.strictEqual(outs.special, true);
        assert.strictEqual(outs.bcryptHash[SIG], SECRET);
        assert.ok(
            compareSync(password, outs.bcryptHash.value) && outs.bcryptHash.value.startsWith("$2b$10$"),
            "bcryptHash is the password's, at cost 10",
        );
        assert.deepStrictEqual(await plugin.diff(PASSWORD, id, outs, inputs), { changes: "none", replaces: [] });
        assert.deepStrictEqual(await plugin.diff(PASSWORD, id, outs, { ...inputs, length: 40 }), { changes: "some", replaces: ["length"] });
        await plugin.delete(PASSWORD, id, outs);
    });

    it("creates a RandomString whose id is its result", async () => {
        const { id, outs } = await plugin.create(STRING, { length: 12, special: false, upper: false });
        assert.match(outs.result, /^[a-z0-9]{12}$/);
        assert.strictEqual(id, outs.result);
    });

    it("creates rollout.ts's snapshot suffix (RandomId, 3 bytes, keepers by version) and replaces it when the version changes", async () => {
        const inputs = { byteLength: 3, keepers: { version: "1.4.0" } };
        const { id, outs } = await plugin.create(ID, inputs);
        assert.match(outs.hex, /^[0-9a-f]{6}$/);
        assert.strictEqual(Buffer.from(id, "base64url").toString("hex"), outs.hex);
        assert.strictEqual(outs.b64Url, id);
        assert.strictEqual(outs.b64Std, Buffer.from(outs.hex, "hex").toString("base64"));
        assert.strictEqual(outs.dec, String(parseInt(outs.hex, 16)));
        assert.deepStrictEqual(await plugin.diff(ID, id, outs, inputs), { changes: "none", replaces: [] });
        assert.deepStrictEqual(await plugin.diff(ID, id, outs, { ...inputs, keepers: { version: "1.5.0" } }), {
            changes: "some",
            replaces: ["keepers"],
        });
    });

    it("replaces in a preview whose keepers are not known yet", async () => {
        const inputs = { byteLength: 3, keepers: { version: "1.4.0" } };
        const { id, outs } = await plugin.create(ID, inputs);
        assert.deepStrictEqual(await plugin.check(ID, outs, { byteLength: 3, keepers: { version: UNKNOWN } }), {
            inputs: { byteLength: 3, keepers: { version: UNKNOWN } },
            failures: [],
        });
        assert.deepStrictEqual(await plugin.diff(ID, id, outs, { byteLength: 3, keepers: { version: UNKNOWN } }), {
            changes: "some",
            replaces: ["keepers"],
        });
    });

    it("reads secret inputs through their wrapper, keeps them secret in the outputs, and diffs them as their plain value", async () => {
        const inputs = { length: wrapped(20), keepers: { token: wrapped("t-1") }, special: false };
        assert.deepStrictEqual((await plugin.check(PASSWORD, {}, inputs)).failures, []);
        const { id, outs } = await plugin.create(PASSWORD, inputs);
        assert.strictEqual(outs.result.value.length, 20);
        assert.deepStrictEqual(outs.length, wrapped(20));
        assert.deepStrictEqual(outs.keepers, { token: wrapped("t-1") });
        assert.deepStrictEqual(await plugin.diff(PASSWORD, id, outs, { length: 20, keepers: { token: "t-1" }, special: false }), {
            changes: "none",
            replaces: [],
        });
        assert.deepStrictEqual(await plugin.diff(PASSWORD, id, outs, { ...inputs, keepers: { token: wrapped("t-2") } }), {
            changes: "some",
            replaces: ["keepers"],
        });
    });

    it("fails the check on an unknown property, naming it", async () => {
        const { failures } = await plugin.check(PASSWORD, {}, { length: 32, minUpercase: 2 });
        assert.deepStrictEqual(failures, [
            `minUpercase: unknown property "minUpercase" of random:index/randomPassword:RandomPassword; it takes keepers, length, lower, upper, numeric, number, special, minLower, minUpper, minNumeric, minSpecial, overrideSpecial`,
        ]);
    });

    it("fails every call on a type it does not implement, naming the type", async () => {
        const uuid = urn("random:index/randomUuid:RandomUuid", "u");
        const unknownType = failsWith(/^unknown resource type random:index\/randomUuid:RandomUuid: the random stand-in implements /);
        await assert.rejects(plugin.check(uuid, {}, {}), unknownType);
        await assert.rejects(plugin.create(uuid, {}), unknownType);
        await assert.rejects(plugin.diff(uuid, "x", {}, {}), unknownType);
    });

    it("fails an update, which its diff never plans", async () => {
        await assert.rejects(
            plugin.update(PASSWORD, "none", { length: 8 }, { length: 8 }),
            failsWith(/has no in-place update: every input change replaces it/),
        );
    });
});
