import * as assert from "assert";
import { checkCommandInputs, commandSettings, loggedStreams } from "../../../../tools/stand-in-plugins/command/commandInputs";
import { KIND_COMMANDS } from "../../../../components/cluster/kindCluster";
import { SMOKE_CHECK_COMMAND, smokeCheckEnvironment } from "../../../../components/rollout/smokeCheck";

const reasons = (inputs: Record<string, unknown>) => checkCommandInputs(inputs).map((f) => `${f.property}: ${f.reason}`);

describe("stand-in command plugin: command:local:Command inputs", () => {
    it("accepts the inputs kindCluster.ts and smokeCheck.ts give", () => {
        const environment = { KIND_CLUSTER_NAME: "local", KIND_NODE_IMAGE: "", KIND_WAIT_SECONDS: "120" };
        assert.deepStrictEqual(reasons({ ...KIND_COMMANDS, environment, triggers: ["local", ""], logging: "stderr" }), []);
        const smoke = { routerUrl: "http://127.0.0.1:8080", host: "app.local", path: "/healthz", timeoutSeconds: 30 };
        assert.deepStrictEqual(
            reasons({ create: SMOKE_CHECK_COMMAND, environment: smokeCheckEnvironment(smoke), triggers: ["canary", 10] }),
            [],
        );
    });

    it("fails on an unknown property, naming it, and on the upstream inputs the stand-in does not implement", () => {
        assert.deepStrictEqual(reasons({ create: "true", stdout: "x", assetPaths: ["*.txt"] }), [
            'stdout: unknown property "stdout" of command:local:Command; it takes create, update, delete, triggers, dir, environment, interpreter, stdin, logging, addPreviousOutputInEnv',
            "assetPaths: assetPaths is not implemented by the command stand-in (upstream returns the matching files as assets)",
        ]);
    });

    it("fails on wrong types, an unknown logging mode and an empty interpreter", () => {
        assert.deepStrictEqual(reasons({ create: 1, environment: { A: 1 }, triggers: "x", logging: "all", interpreter: [] }), [
            "create: create must be a string, not a number",
            'environment: environment must be a map of strings; "A" is a number',
            "triggers: triggers must be a list, not a string",
            "logging: logging must be one of stdout, stderr, stdoutAndStderr, none",
            "interpreter: interpreter must name a program",
        ]);
    });

    it("defaults as upstream: /bin/sh -c, both streams logged, the previous output in the environment", () => {
        assert.deepStrictEqual(commandSettings({ create: "echo hi", environment: { A: "1", B: null }, stdout: "ignored" }), {
            create: "echo hi",
            update: undefined,
            delete: undefined,
            dir: undefined,
            environment: { A: "1" },
            interpreter: ["/bin/sh", "-c"],
            stdin: undefined,
            logging: "stdoutAndStderr",
            addPreviousOutputInEnv: true,
        });
    });

    it("logs the streams each logging mode names", () => {
        assert.deepStrictEqual(loggedStreams("stdoutAndStderr"), { stdout: true, stderr: true });
        assert.deepStrictEqual(loggedStreams("stdout"), { stdout: true, stderr: false });
        assert.deepStrictEqual(loggedStreams("stderr"), { stdout: false, stderr: true });
        assert.deepStrictEqual(loggedStreams("none"), { stdout: false, stderr: false });
    });
});
