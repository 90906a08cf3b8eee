import * as assert from "assert";
import { hostArguments } from "../../../tools/pulumi-nodejs/languageHost/hostArguments";
import {
    runnerArguments,
    runnerConfig,
    runOutcome,
    looksOutOfMemory,
    ProgramRun,
} from "../../../tools/pulumi-nodejs/languageHost/programInvocation";
import { runtimeOptions, typescriptEnvironment } from "../../../tools/pulumi-nodejs/languageHost/runtimeOptions";
import { environmentOf, pluginArguments } from "../../../tools/pulumi-nodejs/languageHost/pluginRun";
import { policyPackEnvironment } from "../../../tools/pulumi-nodejs/languageHost/policyProxy";

const run: ProgramRun = {
    monitorAddress: "127.0.0.1:4000",
    engineAddress: "127.0.0.1:4001",
    organization: "",
    project: "claude-enhancer",
    stack: "local",
    rootDirectory: "/p",
    programDirectory: "/p",
    entryPoint: ".",
    dryRun: true,
    parallel: 16,
    tracing: "",
    args: ["extra"],
    config: {},
    configSecretKeys: [],
};

describe("language host: how a Run request becomes the runner's command line", () => {
    it("passes the addresses, project, stack and folders as the runner's flags, empty ones left out, then the entry point and arguments", () => {
        assert.deepStrictEqual(runnerArguments("/sdk/cmd/run", run), [
            "/sdk/cmd/run",
            "--monitor",
            "127.0.0.1:4000",
            "--engine",
            "127.0.0.1:4001",
            "--project",
            "claude-enhancer",
            "--root-directory",
            "/p",
            "--stack",
            "local",
            "--pwd",
            "/p",
            "--dry-run",
            "--parallel",
            "16",
            ".",
            "extra",
        ]);
    });

    it("leaves --dry-run out of an update and passes tracing when the CLI traces", () => {
        const args = runnerArguments("/run", { ...run, dryRun: false, tracing: "http://zipkin:9411", organization: "acme" });
        assert.ok(!args.includes("--dry-run"));
        assert.deepStrictEqual(args.slice(args.indexOf("--tracing"), args.indexOf("--tracing") + 2), ["--tracing", "http://zipkin:9411"]);
        assert.deepStrictEqual(args.slice(1, 3), ["--monitor", "127.0.0.1:4000"]);
        assert.ok(args.join(" ").includes("--organization acme"));
    });

    it("sends config keys in the namespace:config:name form every SDK reads", () => {
        assert.deepStrictEqual(
            runnerConfig({ "claude-enhancer:rollout": '{"stage":"canary"}', "aws:region": "eu-west-1", "k:config:x": "1" }),
            {
                "claude-enhancer:config:rollout": '{"stage":"canary"}',
                "aws:config:region": "eu-west-1",
                "k:config:x": "1",
            },
        );
        assert.throws(
            () => runnerConfig({ nonamespace: "x" }),
            /could not parse "nonamespace" as a configuration key \(expected namespace:name\)/,
        );
    });

    it("maps the runner's exit: 0 succeeds, 32 bails (the program reported its error), others and signals are errors", () => {
        assert.deepStrictEqual(runOutcome(0), { error: "", bail: false });
        assert.deepStrictEqual(runOutcome(32), { error: "", bail: true });
        assert.deepStrictEqual(runOutcome(1), { error: "Program exited with non-zero exit code: 1", bail: false });
        assert.deepStrictEqual(runOutcome(null), { error: "Program exited with non-zero exit code: -1", bail: false });
    });

    it("recognises V8's out-of-memory report on the runner's stderr", () => {
        assert.ok(looksOutOfMemory("\n<--- Last few GCs --->\n[123:0x5] 900 ms: Mark-Compact"));
        assert.ok(!looksOutOfMemory("Error: boom\n    at index.ts:3:9"));
    });
});

describe("language host: runtime options of Pulumi.yaml", () => {
    it("defaults to the runtime's TypeScript support and no node arguments", () => {
        assert.deepStrictEqual(runtimeOptions({}), { typescript: true, tsconfig: undefined, nodeargs: [] });
        assert.deepStrictEqual(typescriptEnvironment(runtimeOptions({})), { PULUMI_NODEJS_TYPESCRIPT: "true" });
    });

    it("splits nodeargs as a shell would, quotes kept together, and passes tsconfig on", () => {
        const options = runtimeOptions({
            typescript: false,
            tsconfig: "tsconfig.pulumi.json",
            nodeargs: `--require ./a.js --title "two words" c\\ d`,
        });
        assert.deepStrictEqual(options.nodeargs, ["--require", "./a.js", "--title", "two words", "c d"]);
        assert.deepStrictEqual(typescriptEnvironment(options), { PULUMI_NODEJS_TSCONFIG_PATH: "tsconfig.pulumi.json" });
    });

    it("rejects options of the wrong type with the upstream host's messages", () => {
        assert.throws(() => runtimeOptions({ typescript: "yes" }), /^Error: typescript option must be a boolean$/);
        assert.throws(() => runtimeOptions({ nodeargs: ["--x"] }), /^Error: nodeargs option must be a string$/);
        assert.throws(() => runtimeOptions({ tsconfig: 3 }), /^Error: tsconfigpath option must be a string$/);
    });
});

describe("language host: its own command line", () => {
    it("reads the engine address after the flags the CLI passes every plugin", () => {
        assert.deepStrictEqual(hostArguments(["--logtostderr", "-v=9", "--tracing", "http://t:9411", "127.0.0.1:5000"]), {
            engineAddress: "127.0.0.1:5000",
            tracing: "http://t:9411",
            runtime: "nodejs",
            version: false,
        });
        assert.strictEqual(hostArguments(["-version"]).version, true);
        assert.strictEqual(hostArguments(["-runtime=bun", "x:1"]).runtime, "bun");
    });
});

describe("language host: plugins and policy packs", () => {
    it("puts nodeargs before the runner, the folder first for a plugin and last for a policy pack", () => {
        const request = { args: ["127.0.0.1:7"], programDirectory: "/plugin" };
        assert.deepStrictEqual(pluginArguments("/run-plugin", ["--require", "x"], { ...request, kind: "resource" }), [
            "--require",
            "x",
            "/run-plugin",
            "/plugin",
            "127.0.0.1:7",
        ]);
        assert.deepStrictEqual(pluginArguments("/run-policy-pack", [], { ...request, kind: "analyzer" }), [
            "/run-policy-pack",
            "127.0.0.1:7",
            "/plugin",
        ]);
    });

    it("reads the CLI's KEY=value environment, a later entry winning and values keeping their '='", () => {
        assert.deepStrictEqual(environmentOf(["A=1", "B=x=y", "A=2", "broken"]), { A: "2", B: "x=y" });
    });

    it("tells a policy pack its stack through the environment @pulumi/pulumi reads, nothing when it got no configuration", () => {
        assert.deepStrictEqual(
            policyPackEnvironment({
                organization: "",
                project: "claude-enhancer",
                stack: "local",
                dryRun: true,
                config: { "claude-enhancer:app": "{}" },
            }),
            {
                PULUMI_NODEJS_PROJECT: "claude-enhancer",
                PULUMI_NODEJS_STACK: "local",
                PULUMI_NODEJS_DRY_RUN: "true",
                PULUMI_CONFIG: '{"claude-enhancer:app":"{}"}',
            },
        );
        assert.deepStrictEqual(policyPackEnvironment(undefined), {});
    });
});
