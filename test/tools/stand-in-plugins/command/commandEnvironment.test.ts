import * as assert from "assert";
import { commandEnvironment } from "../../../../tools/stand-in-plugins/command/commandEnvironment";

describe("stand-in command plugin: a command's environment", () => {
    it("adds environment over the plugin's own, then the previous output as PULUMI_COMMAND_STDOUT/STDERR", () => {
        const env = commandEnvironment(
            { PATH: "/bin", A: "base", PULUMI_COMMAND_STDOUT: "stale" },
            { environment: { A: "mine", B: "2" }, addPreviousOutputInEnv: true },
            { stdout: "kubeconfig", stderr: "progress" },
        );
        assert.deepStrictEqual(env, {
            PATH: "/bin",
            A: "mine",
            B: "2",
            PULUMI_COMMAND_STDOUT: "kubeconfig",
            PULUMI_COMMAND_STDERR: "progress",
        });
    });

    it("adds an empty previous output, or any with addPreviousOutputInEnv false, not at all", () => {
        assert.deepStrictEqual(commandEnvironment({}, { environment: {}, addPreviousOutputInEnv: true }, { stdout: "", stderr: "x" }), {
            PULUMI_COMMAND_STDERR: "x",
        });
        assert.deepStrictEqual(
            commandEnvironment({}, { environment: {}, addPreviousOutputInEnv: false }, { stdout: "a", stderr: "b" }),
            {},
        );
    });
});
