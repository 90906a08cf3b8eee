import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { getVersion as commandSdkVersion } from "@pulumi/command/utilities";
import { LogSeverity } from "@pulumi/pulumi/proto/engine_pb";
import { ResourcePlugin } from "../../../harness/resourcePlugin";

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const URN = "urn:pulumi:local::claude-enhancer::claude-enhancer:cluster:KindCluster$command:local:Command::local-kind";
/** grpc-js puts the provider's error message in `details`. */
const failsWith = (pattern: RegExp | string) => (err: { details?: string }) =>
    typeof pattern === "string" ? err.details === pattern : pattern.test(err.details ?? "");

describe("stand-in command plugin over gRPC, started as the engine's launcher starts it", function () {
    this.timeout(60_000);
    let plugin: ResourcePlugin;
    let dir: string;

    before(async () => {
        dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "stand-in-command-plugin-")));
        plugin = await ResourcePlugin.start("tools/stand-in-plugins/command/main.ts");
        await plugin.configure();
    });
    after(async () => {
        await plugin?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });
    const logsSince = (start: number) => plugin.logs.slice(start);

    it("reports the version @pulumi/command registers its resources with (4.5.0, its package.json's v4.5.0 without the v)", async () => {
        assert.strictEqual(await plugin.version(), commandSdkVersion());
    });

    it("takes secrets and does not preview, so the engine never runs a command in a preview", async () => {
        assert.deepStrictEqual(await plugin.configure(), { acceptSecrets: true, supportsPreview: false });
    });

    it("creates as kindCluster.ts does: stdout (trimmed) and stderr as outputs, only stderr logged, as ephemeral lines of the resource", async () => {
        const inputs = {
            create: 'echo "creating $KIND_CLUSTER_NAME" >&2 && echo "Ready" >&2 && printf "apiVersion: v1\\nkind: Config\\n"',
            environment: { KIND_CLUSTER_NAME: "local" },
            triggers: ["local", ""],
            logging: "stderr",
        };
        assert.deepStrictEqual(await plugin.check(URN, {}, inputs), { inputs, failures: [] });
        const start = plugin.logs.length;
        const { id, outs } = await plugin.create(URN, inputs);
        assert.match(id, /^local-kind[0-9a-f]{8}$/);
        assert.deepStrictEqual(outs, { ...inputs, stdout: "apiVersion: v1\nkind: Config", stderr: "creating local\nReady" });
        assert.deepStrictEqual(logsSince(start), [
            { severity: LogSeverity.INFO, message: "creating local", urn: URN, ephemeral: true },
            { severity: LogSeverity.INFO, message: "Ready", urn: URN, ephemeral: true },
        ]);
    });

    it("logs both streams by default and none with logging none", async () => {
        let start = plugin.logs.length;
        await plugin.create(URN, { create: "echo out; echo err >&2" });
        assert.deepStrictEqual(
            logsSince(start)
                .map((l) => l.message)
                .sort(),
            ["err", "out"],
        );
        start = plugin.logs.length;
        await plugin.create(URN, { create: "echo out; echo err >&2", logging: "none" });
        assert.deepStrictEqual(logsSince(start), []);
    });

    it("diffs the same inputs as no change, new triggers as a replacement (also not known yet), other inputs as an update", async () => {
        const inputs = { create: "echo a", update: "echo b", triggers: ["canary", 10], environment: { A: "1" } };
        const { id, outs } = await plugin.create(URN, inputs);
        assert.deepStrictEqual(await plugin.diff(URN, id, outs, inputs), { changes: "none", replaces: [] });
        assert.deepStrictEqual(await plugin.diff(URN, id, outs, { ...inputs, triggers: ["canary", 25] }), {
            changes: "some",
            replaces: ["triggers"],
        });
        assert.deepStrictEqual(await plugin.diff(URN, id, outs, { ...inputs, triggers: ["canary", UNKNOWN] }), {
            changes: "some",
            replaces: ["triggers"],
        });
        assert.deepStrictEqual(await plugin.diff(URN, id, outs, { ...inputs, environment: { A: "2" } }), { changes: "some", replaces: [] });
    });

    it("updates with the update command, the previous (secret) stdout and stderr in PULUMI_COMMAND_STDOUT/STDERR", async () => {
        const inputs = { create: "echo created; echo warn >&2", update: 'echo "was: $PULUMI_COMMAND_STDOUT/$PULUMI_COMMAND_STDERR"' };
        const { id, outs } = await plugin.create(URN, inputs);
        // The program asks for stdout as a secret (additionalSecretOutputs), so the state holds it wrapped.
        const state = { ...outs, stdout: { [SIG]: SECRET, value: outs.stdout } };
        const updated = await plugin.update(URN, id, state, { ...inputs, environment: { A: "1" } });
        assert.deepStrictEqual(updated, { ...inputs, environment: { A: "1" }, stdout: "was: created/warn", stderr: "" });
    });

    it("updates with the create command when there is no update command, and keeps the outputs when there is neither", async () => {
        const { id, outs } = await plugin.create(URN, { create: "echo first" });
        assert.strictEqual((await plugin.update(URN, id, outs, { create: "echo second" })).stdout, "second");
        const unchanged = await plugin.update(URN, id, outs, { delete: "true" });
        assert.deepStrictEqual(unchanged, { delete: "true", stdout: "first", stderr: "" });
    });

    it("creates without a create command as upstream: nothing runs, empty outputs", async () => {
        const { outs } = await plugin.create(URN, { delete: "echo bye" });
        assert.deepStrictEqual(outs, { delete: "echo bye", stdout: "", stderr: "" });
    });

    it("deletes with the delete command, in dir, with the environment and the last output", async () => {
        const inputs = {
            create: "echo cluster-kubeconfig",
            delete: 'echo "deleted $NAME after $PULUMI_COMMAND_STDOUT" > deleted.txt',
            dir,
            environment: { NAME: "local" },
        };
        const { id, outs } = await plugin.create(URN, inputs);
        await plugin.delete(URN, id, outs);
        assert.strictEqual(fs.readFileSync(path.join(dir, "deleted.txt"), "utf8"), "deleted local after cluster-kubeconfig\n");
        await plugin.delete(URN, id, { create: "true", stdout: "", stderr: "" });
    });

    it("fails a step whose command exits non-zero with upstream's message: exit status, the quoted command, its output", async () => {
        const create = 'echo "partial"; echo "kind: no nodes" >&2; exit 3';
        await assert.rejects(
            plugin.create(URN, { create }),
            failsWith(`exit status 3: running "echo \\"partial\\"; echo \\"kind: no nodes\\" >&2; exit 3":\npartial\nkind: no nodes\n`),
        );
        await assert.rejects(plugin.delete(URN, "x", { delete: "exit 1" }), failsWith('exit status 1: running "exit 1":\n'));
        await assert.rejects(
            plugin.create(URN, { create: "true", dir: path.join(dir, "missing") }),
            failsWith(`chdir ${path.join(dir, "missing")}: no such file or directory: running "true":\n`),
        );
    });

    it("fails the check on an unknown property or one it does not implement, naming it", async () => {
        const { failures } = await plugin.check(URN, {}, { create: "true", environmnet: { A: "1" }, archivePaths: ["*.tgz"] });
        // A Struct's fields arrive sorted by name.
        assert.deepStrictEqual(failures, [
            "archivePaths: archivePaths is not implemented by the command stand-in (upstream returns the matching files as assets)",
            'environmnet: unknown property "environmnet" of command:local:Command; it takes create, update, delete, triggers, dir, environment, interpreter, stdin, logging, addPreviousOutputInEnv',
        ]);
    });

    it("fails every call on a type it does not implement, naming the type", async () => {
        const remote = URN.replace("command:local:Command", "command:remote:Command");
        const unknownType = failsWith(
            "unknown resource type command:remote:Command: the command stand-in implements command:local:Command",
        );
        await assert.rejects(plugin.check(remote, {}, { create: "true" }), unknownType);
        await assert.rejects(plugin.create(remote, { create: "true" }), unknownType);
        await assert.rejects(plugin.delete(remote, "x", { delete: "true" }), unknownType);
    });

    // Last: as upstream's cancelled context, a cancellation also kills every later command of the plugin.
    it("kills a running command when the engine cancels, failing its step", async () => {
        const started = Date.now();
        const creating = plugin.create(URN, { create: "sleep 30" });
        await new Promise((r) => setTimeout(r, 500));
        await plugin.cancel();
        await assert.rejects(creating, failsWith('signal: killed: running "sleep 30":\n'));
        assert.ok(Date.now() - started < 10_000, "the command ran on after the cancellation");
    });
});
